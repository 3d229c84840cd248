package volume

import (
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
)

func specs(t *testing.T, ss ...string) []BrickSpec {
	t.Helper()
	var out []BrickSpec
	for _, s := range ss {
		b, err := ParseBrickSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func TestCreateValidate(t *testing.T) {
	pool := PoolView{
		Peers: map[string]string{"h1": "u1", "h2": "u2", "h3": "u3"},
		Volumes: map[string][]PlacedBrick{
			"old": {{Peer: "u1", Path: "/srv/old"}, {Peer: "u2", Path: "/srv/old"}},
		},
	}
	for _, tc := range []struct {
		name string
		req  CreateRequest
		want string // "" for accepted
	}{
		{"replica 3", CreateRequest{Name: "www", Replica: 3, Bricks: specs(t, "h1:/b", "h2:/b", "h3:/b")}, ""},
		{"distributed", CreateRequest{Name: "www", Bricks: specs(t, "h1:/b", "h1:/c")}, ""},
		{"arbiter", CreateRequest{Name: "www", Replica: 3, Arbiter: true, Bricks: specs(t, "h1:/b", "h2:/b", "h3:/b")}, ""},
		{"bad name", CreateRequest{Name: "-x", Bricks: specs(t, "h1:/b")}, "not valid"},
		{"name taken", CreateRequest{Name: "old", Bricks: specs(t, "h1:/b")}, "volume old already exists"},
		{"replica 1", CreateRequest{Name: "www", Replica: 1, Bricks: specs(t, "h1:/b")}, "greater than 1"},
		{"arbiter without 3", CreateRequest{Name: "www", Replica: 2, Arbiter: true, Bricks: specs(t, "h1:/b", "h2:/b")}, "needs replica 3"},
		{"not a multiple", CreateRequest{Name: "www", Replica: 3, Bricks: specs(t, "h1:/b", "h2:/b", "h3:/b", "h1:/c")}, "not a multiple of replica count (3)"},
		{"replica 2", CreateRequest{Name: "www", Replica: 2, Bricks: specs(t, "h1:/b", "h2:/b")}, "split-brain"},
		{"replica 2 forced", CreateRequest{Name: "www", Replica: 2, Force: true, Bricks: specs(t, "h1:/b", "h2:/b")}, ""},
		{"unknown host", CreateRequest{Name: "www", Replica: 3, Bricks: specs(t, "h1:/b", "h2:/b", "h9:/b")}, "host h9 is not in the pool"},
		{"same set same peer", CreateRequest{Name: "www", Replica: 3, Bricks: specs(t, "h1:/b", "h1:/c", "h3:/b")}, "same peer"},
		{"same set same peer forced", CreateRequest{Name: "www", Replica: 3, Force: true, Bricks: specs(t, "h1:/b", "h1:/c", "h3:/b")}, ""},
		{"twice", CreateRequest{Name: "www", Bricks: specs(t, "h1:/b", "h1:/b/")}, "given twice"},
		{"nested in request", CreateRequest{Name: "www", Bricks: specs(t, "h1:/b", "h1:/b/c")}, "is inside brick h1:/b"},
		{"already used", CreateRequest{Name: "www", Bricks: specs(t, "h2:/srv/old")}, "already part of volume old"},
		{"inside a brick", CreateRequest{Name: "www", Bricks: specs(t, "h1:/srv/old/x")}, "inside brick h1:/srv/old of volume old"},
		{"around a brick", CreateRequest{Name: "www", Bricks: specs(t, "h1:/srv")}, "contains brick h1:/srv/old"},
		{"same path other peer", CreateRequest{Name: "www", Bricks: specs(t, "h3:/srv/old")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peers, err := tc.req.Validate(pool)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if len(peers) != len(tc.req.Bricks) {
					t.Fatalf("peers %v", peers)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrRefused) {
				t.Fatalf("err %v, want a refusal with %q", err, tc.want)
			}
		})
	}
}

func TestParseBrickSpec(t *testing.T) {
	b, err := ParseBrickSpec("h1:/srv//b/")
	if err != nil || b != (BrickSpec{Host: "h1", Path: "/srv/b"}) {
		t.Fatalf("%v %v", b, err)
	}
	for _, bad := range []string{"h1", "h1:b", ":/b", "h1:/"} {
		if _, err := ParseBrickSpec(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct{ name, value, want string }{
		{"cluster.quorum-type", "FIXED", "fixed"},
		{"cluster.quorum-count", "2", "2"},
		{"performance.attribute-timeout", "60", "60"},
		{"cluster.favorite-child-policy", "mtime", "mtime"},
		{"auth.allow", "127.0.0.*, 10.0.0.0/8", "127.0.0.*,10.0.0.0/8"},
		{"auth.allow", "192.168.*,10.1.?.*", "192.168.*,10.1.?.*"},
	} {
		got, err := CheckOption(tc.name, tc.value)
		if err != nil || got != tc.want {
			t.Errorf("%s=%s: %q %v, want %q", tc.name, tc.value, got, err, tc.want)
		}
	}
	for _, bad := range [][2]string{
		{"cluster.quorum-type", "most"}, {"cluster.quorum-count", "0"}, {"performance.entry-timeout", "-1"},
		{"auth.allow", "10.0.0.300"}, {"auth.allow", "web*.example.com"}, {"auth.allow", "127.0.0.[1-3]"}, {"no.such-option", "1"}, {"cluster.favorite-child-policy", "random"},
	} {
		if _, err := CheckOption(bad[0], bad[1]); err == nil {
			t.Errorf("%s=%s accepted", bad[0], bad[1])
		}
	}
	if err := CheckOptions(map[string]string{"cluster.quorum-type": "fixed"}); err == nil {
		t.Error("fixed without count accepted")
	}
	m := MountOptions(map[string]string{"cluster.quorum-type": "fixed", "auth.allow": "*", "performance.attribute-timeout": "60"})
	if len(m) != 2 || m["quorum-type"] != "fixed" || m["attribute-timeout"] != "60" {
		t.Errorf("MountOptions = %v", m)
	}
	names := []string{}
	for _, o := range OptionSpecs() {
		names = append(names, o.Name)
	}
	if !slices.IsSorted(names) {
		t.Errorf("OptionSpecs not sorted: %v", names)
	}
}

func TestAuthAllows(t *testing.T) {
	ip := net.ParseIP("127.0.0.5")
	for _, tc := range []struct {
		allow, reject string
		want          bool
	}{
		{"", "", true},
		{"*", "", true},
		{"127.0.0.*", "", true},
		{"10.0.0.0/8", "", false},
		{"127.0.0.0/8", "127.0.0.5", false},
		{"*", "127.0.*.*", false},
		{"127.0.0.5", "", true},
		{"127.0.0.6", "", false},
		{"127.*", "", true},
		{"127.0.0.?", "", true},
		{"127.0.0.1*", "", false},
		{"10.*", "", false},
		{"*", "127.0.0.[5]", true}, // not a wildcard address: never matches
	} {
		if got := AuthAllows(tc.allow, tc.reject, ip); got != tc.want {
			t.Errorf("allow %q reject %q: %v, want %v", tc.allow, tc.reject, got, tc.want)
		}
	}
}
