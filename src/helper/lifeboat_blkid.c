/*
 * lifeboat_blkid.c - lifeboat-blkid DEVICE: what util-linux's libblkid finds
 * on DEVICE, for 'lifeboat load' and 'config check' on the running system
 * (src/platform/blkid_helper.c says why it is a program of its own).
 *
 * Every superblock prober (file systems, RAID members, LVM, LUKS, bcache,
 * ZFS, VDO, Ceph...) and every partition table is asked, with libblkid's
 * safe probe: two signatures that contradict each other are an answer too.
 * Prints one line and exits 0 if something is there, exits 1 if nothing,
 * 2 if the device cannot be probed.
 */
#include <blkid/blkid.h>
#include <stdio.h>
#include <string.h>

static const char *value(blkid_probe pr, const char *name)
{
    const char *v = NULL;

    return blkid_probe_lookup_value(pr, name, &v, NULL) == 0 ? v : NULL;
}

int main(int argc, char **argv)
{
    blkid_probe pr;
    const char *type, *usage, *pttype;
    int r;

    if (argc != 2) {
        fprintf(stderr, "usage: lifeboat-blkid DEVICE\n");
        return 2;
    }
    if (!(pr = blkid_new_probe_from_filename(argv[1]))) {
        fprintf(stderr, "lifeboat-blkid: %s: cannot be probed\n", argv[1]);
        return 2;
    }
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE);
    blkid_probe_enable_partitions(pr, 1);
    blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC);
    r = blkid_do_safeprobe(pr);
    if (r == -2) {
        printf("signatures of more than one kind (wipefs shows them)\n");
    } else if (r == 0) {
        type = value(pr, "TYPE");
        usage = value(pr, "USAGE");
        pttype = value(pr, "PTTYPE");
        if (type)
            printf("%s (TYPE=%s%s%s)\n",
                   usage && strcmp(usage, "raid") == 0         ? "a RAID member"
                   : usage && strcmp(usage, "crypto") == 0     ? "an encrypted volume"
                   : usage && strcmp(usage, "filesystem") == 0 ? "a file system"
                                                               : "a signature",
                   type, usage ? ", USAGE=" : "", usage ? usage : "");
        else
            printf("a %s partition table (PTTYPE=%s)\n", pttype ? pttype : "",
                   pttype ? pttype : "");
    }
    blkid_free_probe(pr);
    if (r < 0 && r != -2) {
        fprintf(stderr, "lifeboat-blkid: %s: the probe failed\n", argv[1]);
        return 2;
    }
    return r == 1 ? 1 : 0;
}
