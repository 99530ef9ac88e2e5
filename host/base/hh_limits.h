/* Layer: base, the bottom. May call: libc only. */
/* Default limits, in one place. Each can be overridden on the command line. */
#ifndef HH_LIMITS_H
#define HH_LIMITS_H

/* Memory a policy may allocate beyond what the state held when it started. */
#define HH_POLICY_MEMORY_DEFAULT_MB 64
/* CPU seconds per policy call (init, evaluate). A full hunt over a Windows
 * 10 hive takes a few hundredths. */
#define HH_POLICY_CPU_SECONDS_DEFAULT 10.0
/* Lua VM instructions per policy call when no CPU timer can be armed (an
 * --max-instructions budget replaces it). */
#define HH_POLICY_INSTRUCTIONS_FALLBACK 500000000LL
/* Instructions between two looks at an instruction budget. */
#define HH_POLICY_HOOK_STEP 1000

/* Per-hive child process: CPU seconds, wall-clock seconds, address space. */
#define HH_HIVE_CPU_SECONDS_DEFAULT 120
#define HH_HIVE_WALL_SECONDS_DEFAULT 180
#define HH_HIVE_ADDRESS_SPACE_DEFAULT_MB 2048

#endif
