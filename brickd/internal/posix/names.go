package posix

import (
	"strings"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

// MetaDir is the brick's own directory at its root; it does not exist for
// clients.
const MetaDir = ".mortar"

// NameMax is the longest name of one component, in bytes.
const NameMax = 255

// ValidateName checks that name is one path component: not empty, not "."
// or "..", no '/' and no NUL (EINVAL), at most NameMax bytes (ENAMETOOLONG).
func ValidateName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return unix.EINVAL
	case strings.ContainsAny(name, "/\x00"):
		return unix.EINVAL
	case len(name) > NameMax:
		return unix.ENAMETOOLONG
	}
	return nil
}

// reserved reports whether (parent, name) is the brick's .mortar.
func reserved(parent gfid.Gfid, name string) bool {
	return parent == gfid.Root && name == MetaDir
}

// checkLookupName validates a name that must already exist: the reserved
// name does not (ENOENT).
func checkLookupName(parent gfid.Gfid, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if reserved(parent, name) {
		return unix.ENOENT
	}
	return nil
}

// checkNewName validates a name that an operation creates or replaces: the
// reserved name is refused (EPERM).
func checkNewName(parent gfid.Gfid, name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if reserved(parent, name) {
		return unix.EPERM
	}
	return nil
}
