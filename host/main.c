#include "cli.h"

int main(int argc, char **argv)
{
    return hh_cli_main(argc, argv);
}
