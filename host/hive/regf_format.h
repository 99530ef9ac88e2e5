/* Layer: hive. Constants only. */
/* The REGF on-disk layout hivehunt's own readers use (the guard, libregf's
 * view, the raw cell layer, replay, name copies), in one place. Offsets of
 * key (nk) and value (vk) fields count from the cell's two-byte signature,
 * i.e. from the start of the cell's payload. */
#ifndef HH_REGF_FORMAT_H
#define HH_REGF_FORMAT_H

#define HH_HBIN_HEADER 32u
#define HH_HBIN_ALIGN 4096u       /* hive bins start and end on 4 KB */
#define HH_CELL_NONE 0xFFFFFFFFu  /* "no cell" in any offset field */

#define HH_NK_FLAGS 0x02
#define HH_NK_PARENT 0x10
#define HH_NK_SUBKEY_COUNT 0x14
#define HH_NK_SUBKEY_LIST 0x1C
#define HH_NK_VALUE_COUNT 0x24
#define HH_NK_VALUE_LIST 0x28
#define HH_NK_SECURITY 0x2C
#define HH_NK_CLASS 0x30
#define HH_NK_NAME_LENGTH 0x48
#define HH_NK_CLASS_LENGTH 0x4A
#define HH_NK_NAME 0x4C           /* also the size of the fixed part */
#define HH_NK_HIVE_ENTRY 0x0004u  /* flag: the hive's root key */
#define HH_NK_COMP_NAME 0x0020u   /* flag: the name is stored as Latin-1 */

#define HH_VK_NAME_LENGTH 0x02
#define HH_VK_DATA_SIZE 0x04
#define HH_VK_DATA_OFFSET 0x08
#define HH_VK_TYPE 0x0C
#define HH_VK_FLAGS 0x10
#define HH_VK_NAME 0x14           /* also the size of the fixed part */
#define HH_VK_COMP_NAME 0x0001u   /* flag: the name is stored as Latin-1 */
#define HH_VK_DATA_INLINE 0x80000000u /* data size bit: data in the offset field */

#define HH_BIG_DATA_SEGMENT 16344u /* bytes per db segment (format 1.4+) */

#endif
