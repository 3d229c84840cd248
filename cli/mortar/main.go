// Command mortar is the one binary of mortar: daemon, brick server, client
// and administration commands. Run as mount.mortar it is the mount helper.
package main

import (
	"os"

	"github.com/mortarfs/mortar/cli"
)

func main() { os.Exit(cli.Main(os.Args)) }
