/*
 * fuzz_dhcp6.c - libFuzzer target: any bytes as a DHCPv6 server's message
 * from the network, and the Request a client would build from what parsed.
 */
#include <stdint.h>
#include <string.h>

#include "platform/dhcp6.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    uint8_t xid[3] = {0}, out[256];
    struct dhcp6_reply r;

    if (size >= 4)
        memcpy(xid, data + 1, 3); /* let the fuzzer reach past the header checks */
    if (dhcp6_parse(data, size, xid, mac, &r) == 0)
        dhcp6_build(out, sizeof(out), 3, xid, mac, 0, &r);
    return 0;
}
