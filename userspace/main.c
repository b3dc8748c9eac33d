// SPDX-License-Identifier: GPL-2.0
/* espmob's entry point; alone in its file so that tests link the rest. */
#include "espmob.h"

int main(int argc, char **argv)
{
	return espmob_main(argc, argv);
}
