// SPDX-License-Identifier: GPL-2.0
/*
 * The build id check (see binary_check.h). The plugin's headers come from
 * the strongSwan source of the installed charon; a charon updated since
 * (another Debian revision, a rebuilt library) may lay its objects out
 * differently, so a plugin built for other binaries does not touch them.
 */
#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "binary_check.h"
#include "build_ids.h"

struct wanted {
	const char *name;	/* file name the loader maps */
	const char *id;		/* hex build id at build time */
	bool found;
	bool same;
	char seen[2 * 64 + 1];
};

static void hex(const unsigned char *p, size_t n, char *out, size_t len)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < len; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void read_build_id(struct dl_phdr_info *info, char *out, size_t len)
{
	int i;

	out[0] = '\0';
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *desc = p + sizeof(*n) + ((n->n_namesz + 3) & ~3U);

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(p + sizeof(*n), "GNU", 4) &&
			    desc + n->n_descsz <= end) {
				hex((const unsigned char *)desc, n->n_descsz, out, len);
				return;
			}
			p = desc + ((n->n_descsz + 3) & ~3U);
		}
	}
}

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
	struct wanted *w;
	const char *base;

	(void)size;
	base = strrchr(info->dlpi_name, '/');
	base = base ? base + 1 : info->dlpi_name;
	for (w = data; w->name; w++) {
		if (strcmp(base, w->name))
			continue;
		w->found = true;
		read_build_id(info, w->seen, sizeof(w->seen));
		w->same = !strcmp(w->seen, w->id);
	}
	return 0;
}

bool binary_check(char *why, size_t len)
{
	struct wanted wanted[] = {
		{ .name = "libstrongswan.so.0", .id = BUILD_ID_LIBSTRONGSWAN },
		{ .name = "libcharon.so.0", .id = BUILD_ID_LIBCHARON },
		{ .name = "libstrongswan-kernel-netlink.so",
		  .id = BUILD_ID_KERNEL_NETLINK },
		{ 0 },
	};
	struct wanted *w;

	dl_iterate_phdr(visit, wanted);
	for (w = wanted; w->name; w++) {
		if (!w->found) {
			snprintf(why, len, "%s is not loaded", w->name);
			return false;
		}
		if (!w->same) {
			snprintf(why, len, "%s has build id %s, this plugin was built "
				 "for %s", w->name, w->seen[0] ? w->seen : "(none)",
				 w->id);
			return false;
		}
	}
	return true;
}
