/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny streaming JSON writer: enough for espmob's flat objects and
 * arrays of objects. Keys are NULL inside arrays.
 */
#ifndef ESPMOB_JSON_H
#define ESPMOB_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	8

struct json {
	FILE *f;
	int depth;
	bool comma[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f);
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);
void json_str(struct json *j, const char *key, const char *val);
void json_u64(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, bool val);
void json_null(struct json *j, const char *key);
/* Ends a top-level value: newline and flush, one value per line. */
void json_finish(struct json *j);

#endif /* ESPMOB_JSON_H */
