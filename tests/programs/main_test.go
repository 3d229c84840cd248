package programs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestMain(m *testing.M) { os.Exit(cluster.Main(m)) }

// target returns an empty directory to run a program in: on a fresh
// 3-brick distributed mortar mount, or under MORTAR_PROGRAMS_DIR if set.
func target(t *testing.T) string {
	t.Helper()
	if dir := os.Getenv("MORTAR_PROGRAMS_DIR"); dir != "" {
		d, err := os.MkdirTemp(dir, "programs-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	cluster.RequireFUSE(t)
	bricks := cluster.StartBricks(t, 3)
	return cluster.Mount(t, bricks, 1)
}

// need skips the test when a program is missing, or fails it under
// MORTAR_REQUIRE_FUSE=1 (CI installs them all: see the Makefile's TEST_DEBS).
func need(t *testing.T, progs ...string) {
	t.Helper()
	for _, p := range progs {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv(cluster.EnvRequireFUSE) == "1" {
				t.Fatalf("%s not installed", p)
			}
			t.Skipf("%s not installed", p)
		}
	}
}

// cmdBound limits one program run: a hung mount fails the test instead of
// hanging it.
const cmdBound = 10 * time.Minute

// command prepares a program run in dir with a clean, fixed environment.
type command struct {
	dir   string
	env   []string
	stdin string
}

// run runs the program and returns its standard output; a non-zero exit
// status fails the test with the command's output.
func (c command) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := c.output(name, args...)
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", name, strings.Join(args, " "), c.dir, err, tail(out, 60))
	}
	return out
}

// output runs the program and returns its combined output and error.
func (c command) output(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdBound)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), c.env...)
	cmd.WaitDelay = 5 * time.Second
	if c.stdin != "" {
		cmd.Stdin = strings.NewReader(c.stdin)
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return buf.String(), err
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
