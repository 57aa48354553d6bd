/*
 * conf_doc.c — fjord-conf-doc: prints the SDK's configuration table as
 * Markdown. A build-tree tool (not installed): scripts/gen-config-doc uses it
 * with `fjordd --help-config` to write docs/configuration.md, and test 0005
 * checks that the committed document still matches both tables.
 */
#include <stdio.h>

#include "client/client_int.h"

int main(void)
{
	conf_write_markdown(stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
