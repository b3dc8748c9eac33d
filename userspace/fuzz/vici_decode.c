// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the VICI decoder: the input is one transport
 * segment without its length prefix, as vici_client.c hands it over.
 * Besides "no crash, no leak, no UB" it checks two properties:
 *  - a message that decodes re-encodes to exactly the same bytes
 *    (vici_enc_tree), so the tree loses nothing;
 *  - the pull parser and the tree decoder agree on validity.
 * Seeds: fuzz/corpus/vici_decode (recorded charon traffic), dictionary
 * fuzz/vici_decode.dict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../vici.h"

static FILE *devnull;

static int reader_verdict(const uint8_t *msg, size_t len)
{
	struct vici_reader r;
	struct vici_element e;
	int ret;

	vici_reader_init(&r, msg, len);
	while ((ret = vici_reader_next(&r, &e)) > 0)
		;
	return ret;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vici_packet p;
	struct vici_msg *m;
	struct vici_enc e;
	const uint8_t *seg;
	size_t len;
	int ret;

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (vici_packet_parse(data, size, &p, NULL))
		return 0;
	ret = vici_msg_decode(p.msg, p.msg_len, &m, NULL);
	if (ret != reader_verdict(p.msg, p.msg_len))
		abort();
	if (ret)
		return 0;

	if (devnull)
		vici_dump(devnull, &m->root);
	vici_str(&m->root, "local-host");
	vici_path(&m->root, "child-sas", NULL);

	/* re-encode as a response: same message bytes */
	vici_enc_init(&e, VICI_CMD_RESPONSE, NULL);
	vici_enc_tree(&e, &m->root);
	if (vici_enc_finish(&e, &seg, &len) != 0 ||
	    len != 5 + p.msg_len || memcmp(seg + 5, p.msg, p.msg_len) != 0)
		abort();
	vici_enc_free(&e);
	vici_msg_free(m);
	return 0;
}
