/* Layer: cli. May call: hunt.h, lua. */
/* A case run's frames (frames.c); hh_frame_write and hh_frame_escape are in hunt.h. */
#ifndef HH_FRAMES_H
#define HH_FRAMES_H

#include "hunt.h"

/* Writes the report at index report in every format of o->frame_formats,
 * one frame each, then the "summary" frame; returns code, or an exit code
 * when a report cannot be written. */
int hh_write_frames(lua_State *L, int report, const hh_hunt_opts *o, FILE *out, int code);

#endif
