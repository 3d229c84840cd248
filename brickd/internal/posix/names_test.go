package posix

import (
	"errors"
	"strings"
	"testing"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"golang.org/x/sys/unix"
)

func TestValidateName(t *testing.T) {
	cases := map[string]error{
		"a": nil, ".a": nil, "..a": nil, "a b": nil, strings.Repeat("x", 255): nil, "\xff": nil,
		"": unix.EINVAL, ".": unix.EINVAL, "..": unix.EINVAL, "a/b": unix.EINVAL, "/": unix.EINVAL,
		"a\x00": unix.EINVAL, strings.Repeat("x", 256): unix.ENAMETOOLONG,
	}
	for name, want := range cases {
		if err := ValidateName(name); !errors.Is(err, want) && err != want {
			t.Errorf("ValidateName(%q) = %v, want %v", name, err, want)
		}
	}
	if checkLookupName(gfid.Root, MetaDir) != unix.ENOENT || checkNewName(gfid.Root, MetaDir) != unix.EPERM {
		t.Error(".mortar at the root is not reserved")
	}
	if checkNewName(gfid.New(), MetaDir) != nil {
		t.Error(".mortar below the root is reserved")
	}
}

func TestDirHandleTarget(t *testing.T) {
	p := gfid.New()
	target := dirHandleTarget(p, "name")
	g, name, err := parseDirHandle(target)
	if err != nil || g != p || name != "name" {
		t.Fatalf("parse(%q) = %v %q %v", target, g, name, err)
	}
	upper := "../../" + p.HandleDir() + "/" + strings.ToUpper(p.String()) + "/x"
	bad := []string{
		"", "/etc", "../../../brick.json", "../../..", "../..", upper,
		"../../" + p.HandlePath(), // no name
		"../../" + p.HandlePath() + "/a/b",
		"../../" + p.HandlePath() + "/..",
		"../../" + p.HandlePath() + "/.",
		"../../00/00/00000000-0000-0000-0000-000000000001/.mortar",
		"../../ff/00/00000000-0000-0000-0000-000000000001/x",
		"./../" + p.HandlePath() + "/x",
	}
	for _, b := range bad {
		if _, _, err := parseDirHandle(b); err != unix.ESTALE {
			t.Errorf("parse(%q) = %v, want ESTALE", b, err)
		}
	}
}

func TestXattrNames(t *testing.T) {
	for name, want := range map[string]error{
		"user.a": nil, "trusted.a": nil, "security.selinux": nil, "system.posix_acl_access": nil,
		"system.posix_acl_default": nil, "user.": unix.EOPNOTSUPP, "system.x": unix.EOPNOTSUPP,
		"a": unix.EOPNOTSUPP, "": unix.EINVAL, "user.\x00": unix.EINVAL, "user." + strings.Repeat("x", 251): unix.ERANGE,
	} {
		if err := checkXattrName(name); err != want {
			t.Errorf("checkXattrName(%q) = %v, want %v", name, err, want)
		}
	}
	for name, want := range map[string]bool{"trusted.mortar.gfid": true, "trusted.mortar": true, "trusted.mortarx": false, "user.mortar.gfid": false} {
		if internalXattr(name) != want {
			t.Errorf("internalXattr(%q) = %v", name, !want)
		}
	}
}

func TestReportedNlink(t *testing.T) {
	g := gfid.New()
	for _, c := range []struct {
		g     gfid.Gfid
		mode  uint32
		nlink uint64
		want  uint32
	}{
		{g, unix.S_IFREG, 2, 1}, {g, unix.S_IFREG, 1, 0}, {g, unix.S_IFREG, 0, 0},
		{gfid.Gfid{}, unix.S_IFREG, 1, 1}, {g, unix.S_IFDIR, 2, 2}, {g, unix.S_IFLNK, 2, 1},
	} {
		st := unix.Stat_t{Mode: c.mode, Nlink: c.nlink}
		if got := reportedNlink(c.g, &st); got != c.want {
			t.Errorf("reportedNlink(%v, %o, %d) = %d, want %d", !c.g.IsZero(), c.mode, c.nlink, got, c.want)
		}
	}
}
