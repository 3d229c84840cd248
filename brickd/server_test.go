package brickd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/proto/brickpb"
)

func TestSessionFirstEventAndLayout(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	if c.first.GetKind() != brickpb.EventKind_EVENT_SESSION || c.id == 0 {
		t.Fatalf("first event: %v", c.first)
	}
	raw, err := os.ReadFile(ts.brickPath(".mortar", "brick.json"))
	must(t, err)
	var info struct{ BrickID, VolumeID string }
	must(t, json.Unmarshal(raw, &struct {
		B *string `json:"brick_id"`
		V *string `json:"volume_id"`
	}{&info.BrickID, &info.VolumeID}))
	if c.first.GetBrickId() != info.BrickID || c.first.GetVolumeId() != info.VolumeID {
		t.Fatalf("session ids %s/%s, brick.json %s", c.first.GetBrickId(), c.first.GetVolumeId(), raw)
	}
	for _, d := range []string{"handles", "index/dirty", "unlink"} {
		if st, err := os.Stat(ts.brickPath(".mortar", d)); err != nil || !st.IsDir() {
			t.Errorf(".mortar/%s: %v", d, err)
		}
	}
	v := make([]byte, 16)
	n, err := unix.Getxattr(ts.path, "trusted.mortar.gfid", v)
	if err != nil || n != 16 || gfid.Gfid(v) != gfid.Root {
		t.Fatalf("root gfid %x, %v", v[:n], err)
	}
}

func TestUnknownSessionAndBrick(t *testing.T) {
	ts := newTestServer(t)
	_, err := ts.rpc.Getattr(ctx, &brickpb.InodeRequest{Session: 12345, Gfid: root})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("unknown session: %v", err)
	}
	stream, err := ts.rpc.Session(ctx, &brickpb.SessionRequest{Brick: "nope"})
	must(t, err)
	if _, err := stream.Recv(); status.Code(err) != codes.NotFound {
		t.Fatalf("unknown brick: %v", err)
	}
	c := ts.session()
	c.close()
	_, err = ts.rpc.Getattr(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: root})
	if status.Code(err) != codes.FailedPrecondition {
		t.Fatalf("ended session: %v", err)
	}
}

func TestNewRefusals(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	must(t, os.WriteFile(file, nil, 0o644))
	other := filepath.Join(dir, "other")
	must(t, os.Mkdir(other, 0o755))
	must(t, unix.Setxattr(other, "trusted.mortar.gfid", gfid.New().Bytes(), 0))
	good := filepath.Join(dir, "good")
	must(t, os.Mkdir(good, 0o755))
	vol := gfid.New().String()
	s, err := New(Config{Bricks: []BrickConfig{{"g", good}}, VolumeID: vol, Logger: quiet})
	must(t, err)
	must(t, s.Close())
	cases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"missing", Config{Bricks: []BrickConfig{{"b", filepath.Join(dir, "nope")}}}, "not an accessible directory"},
		{"file", Config{Bricks: []BrickConfig{{"b", file}}}, "not an accessible directory"},
		{"foreign root gfid", Config{Bricks: []BrickConfig{{"b", other}}}, "not the root gfid"},
		{"volume mismatch", Config{Bricks: []BrickConfig{{"b", good}}, VolumeID: gfid.New().String()}, "belongs to volume"},
		{"duplicate path", Config{Bricks: []BrickConfig{{"a", good}, {"b", good}}}, "already served"},
		{"duplicate name", Config{Bricks: []BrickConfig{{"a", good}, {"a", good}}}, "given twice"},
		{"none", Config{}, "no bricks"},
	}
	for _, c := range cases {
		c.cfg.Logger = quiet
		s, err := New(c.cfg)
		if err == nil {
			s.Close()
			t.Errorf("%s: New succeeded", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	s, err = New(Config{Bricks: []BrickConfig{{"g", good}}, VolumeID: vol, Logger: quiet})
	must(t, err)
	must(t, s.Close())
}

func TestUnlinkDirEmptiedAtStart(t *testing.T) {
	requireRoot(t)
	dir := t.TempDir()
	s, err := New(Config{Bricks: []BrickConfig{{"b", dir}}, Logger: quiet})
	must(t, err)
	must(t, s.Close())
	left := filepath.Join(dir, ".mortar", "unlink", gfid.New().String())
	must(t, os.WriteFile(left, []byte("x"), 0o600))
	s, err = New(Config{Bricks: []BrickConfig{{"b", dir}}, Logger: quiet})
	must(t, err)
	defer s.Close()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("leftover still there: %v", err)
	}
}
