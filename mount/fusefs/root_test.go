package fusefs

import "github.com/mortarfs/mortar/mount/fop"

func rootGfid() fop.Gfid { return fop.RootGfid }
