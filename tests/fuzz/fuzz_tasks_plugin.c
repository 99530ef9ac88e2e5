/* The tasks plugin compiled into the fuzz target beside the services plugin.
 * Each plugin exports hivehunt_plugin_entry; here the tasks plugin's is
 * renamed so both link into one binary. */
#define hivehunt_plugin_entry hivehunt_tasks_plugin_entry
#include "../../plugins/tasks/tasks.c"
