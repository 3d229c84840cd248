package gfid

import (
	"errors"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	g := New()
	p, err := Parse(g.String())
	if err != nil || p != g {
		t.Fatalf("Parse(%s) = %v, %v", g, p, err)
	}
	if Root.String() != "00000000-0000-0000-0000-000000000001" {
		t.Fatalf("root = %s", Root)
	}
	if Root.HandlePath() != "00/00/00000000-0000-0000-0000-000000000001" {
		t.Fatalf("root handle = %s", Root.HandlePath())
	}
}

func TestMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, make([]byte, 15), make([]byte, 17), make([]byte, 16)} {
		if _, err := FromBytes(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("FromBytes(%d bytes) err = %v", len(b), err)
		}
	}
	for _, s := range []string{"", "x", "00000000-0000-0000-0000-00000000000g", "00000000+0000-0000-0000-000000000001", "../../etc/passwd"} {
		if _, err := Parse(s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Parse(%q) err = %v", s, err)
		}
	}
}
