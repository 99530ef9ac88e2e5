/* The raw cell layer's internal interface: transaction log replay, the
 * Marvin32 hash the new log format uses, and a bounds-checked reader of
 * hive cells. Not part of the plugin ABI. */
#ifndef HH_RAW_H
#define HH_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "hive_internal.h"

/* The seed Windows uses for log entry hashes (checked against real logs). */
#define HH_LOG_MARVIN_SEED 0x82EF4D887A4E55C5ull

uint64_t hh_marvin32(uint64_t seed, const uint8_t *data, size_t len);

/* Replays the transaction logs of a dirty hive into hive->data (memory only)
 * and fixes the base block. 1 replayed, 0 nothing to do (warnings say why),
 * -1 error. */
int hh_replay_logs(hh_hive *hive, char *err, size_t errlen);

#endif
