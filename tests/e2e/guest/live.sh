# live.sh - sourced by the test guest's /init (as /etc/lbtest-before-load.sh) for
# tests/e2e/test_live.sh: a workload with tasks blocked in the kernel on purpose,
# then a live dump of the running kernel onto the NVMe disk, 'info --live' and
# 'dmesg --live', the kernel's own view of the blocked task's stack, and off.
mkdir -p /mnt/dump && mount -t ext4 /dev/nvme0n1 /mnt/dump || echo "GUEST: cannot mount the dump disk"
mkfifo /tmp/lbfifo
# a reader of a FIFO no one writes to: blocked in pipe_read (opened read-write, so open returns)
sh -c 'exec cat <> /tmp/lbfifo' &
fifo_pid=$!
sleep 4242 &
sleep_pid=$!
# a busy workload beside it, while the dump is taken (no process started and gone each turn:
# a task list changing while it is read is one crash's forward walk cannot always follow; what a
# live kdump's two passes do with pages that change is tests/unit/test_engine.c's)
sh -c 'while :; do :; done' &
busy_pid=$!
sleep 1
echo "GUEST: blocked fifo $fifo_pid sleep $sleep_pid"
cat /proc/$fifo_pid/stack > /mnt/dump/fifo-stack.txt
cat /proc/$sleep_pid/stack > /mnt/dump/sleep-stack.txt
echo "$fifo_pid $sleep_pid" > /mnt/dump/pids.txt
busybox time -v /sbin/lifeboat save --live -d 31 /mnt/dump/live.kdump 2> /tmp/save.err
echo "GUEST: save exit $?"
sed 's/^/GUEST: save: /' /tmp/save.err
/sbin/lifeboat save --live --rate 4 -f elf -d 31 /mnt/dump/live-paced.elf 2> /tmp/paced.err
echo "GUEST: paced save exit $?"
sed 's/^/GUEST: paced: /' /tmp/paced.err
/sbin/lifeboat info --live > /mnt/dump/info-live.txt 2>&1
echo "GUEST: info --live exit $?"
/sbin/lifeboat dmesg --live > /mnt/dump/dmesg-live.txt 2>&1
echo "GUEST: dmesg --live exit $?"
kill $busy_pid
umount /mnt/dump && sync
echo "GUEST: live done"
poweroff -f
