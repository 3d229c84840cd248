package cli

import (
	"context"
	"fmt"
)

// runHelper is mount.mortar: mount(8) runs it as
// "mount.mortar HOST:/VOLUME DIR [-o options]".
func runHelper(_ context.Context, e *env, args []string) int {
	fmt.Fprintf(e.stderr, "mount.mortar %v: mounting by volume name needs the management daemon, which this build does not have yet; use mortar mount --bricks\n", args)
	return exitFail
}
