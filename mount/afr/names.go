package afr

import (
	"strconv"
	"unicode/utf8"

	"github.com/mortarfs/mortar/mount/fop"
)

// entryName is the subject of an entry operation in errors.
type entryName struct {
	parent fop.Gfid
	name   string
}

func (e entryName) String() string { return e.parent.String() + "/" + printable(e.name) }

// printable is a name (any bytes) as errors and logs show it.
func printable(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	return strconv.Quote(name)
}
