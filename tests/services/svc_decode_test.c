/* Unit tests of the services plugin's pure decoders (plugins/services/svc_decode.c):
 * svchost command lines, integers stored with the wrong type, control set
 * names, Start/Type names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hive_names.h"
#include "svc_decode.h"

static int failures;

#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                      \
        }                                                                    \
    } while (0)

static int span_is(const char *p, size_t len, const char *want)
{
    return p && len == strlen(want) && memcmp(p, want, len) == 0;
}

static svc_svchost_args parse(const char *s)
{
    svc_svchost_args a;
    svc_parse_svchost(s, strlen(s), &a);
    return a;
}

static void test_svchost(void)
{
    svc_svchost_args a = parse("%SystemRoot%\\system32\\svchost.exe -k netsvcs -p -s Appinfo");
    CHECK(a.is_svchost && span_is(a.group, a.group_len, "netsvcs") && a.p_flag);
    CHECK(span_is(a.service, a.service_len, "Appinfo"));

    a = parse("%systemroot%\\system32\\SVCHOST.EXE -k LocalServiceNetworkRestricted");
    CHECK(a.is_svchost && span_is(a.group, a.group_len, "LocalServiceNetworkRestricted") && !a.p_flag);
    CHECK(a.service == NULL);

    a = parse("\"C:\\Windows\\System32\\svchost.exe\" -k \"DcomLaunch\" -p");
    CHECK(a.is_svchost && span_is(a.group, a.group_len, "DcomLaunch") && a.p_flag);

    a = parse("svchost.exe /k rpcss");
    CHECK(a.is_svchost && span_is(a.group, a.group_len, "rpcss"));

    /* Case of the group is kept: the policy compares case-insensitively. */
    a = parse("C:\\Windows\\system32\\svchost.exe -k NetSvcs");
    CHECK(span_is(a.group, a.group_len, "NetSvcs"));

    /* An impostor named like svchost still parses: the policy judges its folder. */
    a = parse("C:\\Windows\\Temp\\svchost.exe -k netsvcs");
    CHECK(a.is_svchost && span_is(a.group, a.group_len, "netsvcs"));

    /* Not svchost. */
    CHECK(!parse("C:\\Windows\\System32\\mysvchost.exe -k netsvcs").is_svchost);
    CHECK(!parse("C:\\evil.exe C:\\Windows\\System32\\svchost.exe -k netsvcs").is_svchost);
    CHECK(!parse("\"C:\\x\\svchost.exe.bak\" -k a").is_svchost);
    CHECK(!parse("").is_svchost);
    svc_svchost_args none;
    svc_parse_svchost(NULL, 0, &none);
    CHECK(!none.is_svchost);

    /* -k without a group, or a quote never closed: no crash, no group. */
    a = parse("svchost.exe -k");
    CHECK(a.is_svchost && a.group == NULL);
    a = parse("\"C:\\Windows\\System32\\svchost.exe");
    CHECK(!a.is_svchost);
    a = parse("svchost.exe -k \"net svcs");
    CHECK(span_is(a.group, a.group_len, "net svcs"));
}

static void test_integers(void)
{
    int64_t n;
    int exact;
    const uint8_t dword[] = {2, 0, 0, 0};
    CHECK(svc_int_from_bytes(4, dword, 4, &n, &exact) && n == 2 && exact);
    const uint8_t two[] = {3, 0};
    CHECK(svc_int_from_bytes(4, two, 2, &n, &exact) && n == 3 && !exact);
    const uint8_t longer[] = {0x10, 0, 0, 0, 0xff, 0xff};
    CHECK(svc_int_from_bytes(4, longer, 6, &n, &exact) && n == 0x10 && !exact);
    const uint8_t be[] = {0, 0, 1, 0x10};
    CHECK(svc_int_from_bytes(5, be, 4, &n, &exact) && n == 0x110 && exact);
    const uint8_t q[] = {4, 0, 0, 0, 0, 0, 0, 0};
    CHECK(svc_int_from_bytes(11, q, 8, &n, &exact) && n == 4 && exact);
    CHECK(svc_int_from_bytes(3, q, 8, &n, &exact) && n == 4 && !exact);
    const uint8_t big[12] = {0};
    CHECK(!svc_int_from_bytes(3, big, 12, &n, &exact));
    CHECK(!svc_int_from_bytes(4, dword, 0, &n, &exact));
    const uint8_t max[] = {0xff, 0xff, 0xff, 0xff};
    CHECK(svc_int_from_bytes(4, max, 4, &n, &exact) && n == 4294967295LL);

    CHECK(svc_int_from_text("2", 1, &n) && n == 2);
    CHECK(svc_int_from_text(" 4 ", 3, &n) && n == 4);
    CHECK(svc_int_from_text("-1", 2, &n) && n == -1);
    CHECK(!svc_int_from_text("", 0, &n));
    CHECK(!svc_int_from_text("0x10", 4, &n));
    CHECK(!svc_int_from_text("2 3", 3, &n));
    CHECK(!svc_int_from_text("99999999999999999999", 20, &n));
}

static void test_names(void)
{
    char buf[48];
    CHECK(strcmp(svc_start_name(0, buf, sizeof buf), "boot") == 0);
    CHECK(strcmp(svc_start_name(2, buf, sizeof buf), "auto") == 0);
    CHECK(strcmp(svc_start_name(4, buf, sizeof buf), "disabled") == 0);
    CHECK(strcmp(svc_start_name(7, buf, sizeof buf), "unknown(7)") == 0);
    CHECK(strcmp(svc_type_name(0x20, buf, sizeof buf), "share_process") == 0);
    CHECK(strcmp(svc_type_name(0xe0, buf, sizeof buf), "user_share_process_instance") == 0);
    CHECK(strcmp(svc_type_name(0x3, buf, sizeof buf), "unknown(0x3)") == 0);
    CHECK(strcmp(value_type_name(2, buf, sizeof buf), "REG_EXPAND_SZ") == 0);
    CHECK(strcmp(value_type_name(0x1234, buf, sizeof buf), "REG_UNKNOWN_0x1234") == 0);

    char *hex = svc_hex((const uint8_t *)"\x00\xab\xff", 3);
    CHECK(hex && strcmp(hex, "00abff") == 0);
    free(hex);
    CHECK(svc_filetime_unix(116444736000000000ULL) == 0);
    CHECK(svc_filetime_unix(129781039310000000ULL) == 1333630331);
}

int main(void)
{
    test_svchost();
    test_integers();
    test_names();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    puts("svc_decode: all checks passed");
    return 0;
}
