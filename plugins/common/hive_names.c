#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hive_names.h"
#include "hivehunt/plugin.h"

const char *hive_kind_name(int kind)
{
    switch (kind) {
    case HH_HIVE_SYSTEM: return "SYSTEM";
    case HH_HIVE_SOFTWARE: return "SOFTWARE";
    case HH_HIVE_NTUSER: return "NTUSER";
    case HH_HIVE_SAM: return "SAM";
    case HH_HIVE_SECURITY: return "SECURITY";
    default: return "OTHER";
    }
}

int control_set_number(const char *name)
{
    if (strlen(name) != 13 || strncasecmp(name, "ControlSet", 10) != 0)
        return -1;
    int n = 0;
    for (int i = 10; i < 13; i++) {
        if (name[i] < '0' || name[i] > '9')
            return -1;
        n = n * 10 + (name[i] - '0');
    }
    return n;
}

const char *value_type_name(uint32_t type, char *buf, size_t buflen)
{
    static const char *const names[] = {
        "REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD", "REG_DWORD_BIG_ENDIAN",
        "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST", "REG_FULL_RESOURCE_DESCRIPTOR",
        "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD"};
    if (type < sizeof names / sizeof names[0])
        return names[type];
    snprintf(buf, buflen, "REG_UNKNOWN_0x%x", (unsigned)type);
    return buf;
}
