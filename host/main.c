/* The executable, above every layer. May call: cli.h only. */
#include "cli.h"

int main(int argc, char **argv)
{
    return hh_cli_main(argc, argv);
}
