/*
 * fuzz_dhcp.c - libFuzzer target: any bytes as a DHCP reply from the network.
 */
#include <stdint.h>
#include <string.h>

#include "platform/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t mac[6] = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    struct dhcp_reply r;
    uint32_t xid = 0;

    if (size >= 8)
        memcpy(&xid, data + 4, 4); /* let the fuzzer reach past the header checks */
    dhcp_parse(data, size, xid, mac, &r);
    return 0;
}
