/* The executable, above every layer. May call: cli.h, base (heap.h). */
#include "cli.h"
#include "heap.h"

int main(int argc, char **argv)
{
    hh_heap_prefer_huge_pages();
    return hh_cli_main(argc, argv);
}
