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
