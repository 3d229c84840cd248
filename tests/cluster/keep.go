package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// keepEnv names a directory where a failing heal check copies the bricks
// (with their xattrs, cp -a) before the test's cleanup removes them, so a
// rare failure can be studied after the fact.
const keepEnv = "MORTAR_KEEP_FAILED"

// keepBricks copies every brick of v under $MORTAR_KEEP_FAILED/<test>-<time>
// when that variable is set; it logs where, or why it could not.
func (v *Volume) keepBricks(t testing.TB) {
	t.Helper()
	root := os.Getenv(keepEnv)
	if root == "" {
		return
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	dst := filepath.Join(root, fmt.Sprintf("%s-%s", name, time.Now().Format("150405.000")))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Logf("%s: %v", keepEnv, err)
		return
	}
	for _, b := range v.Bricks {
		out, err := exec.Command("cp", "-a", b.Dir, filepath.Join(dst, b.Name)).CombinedOutput()
		if err != nil {
			t.Logf("%s: copying brick %s: %v: %s", keepEnv, b.Name, err, out)
			continue
		}
	}
	if v.healLog != "" {
		_ = exec.Command("cp", v.healLog, dst).Run()
	}
	t.Logf("%s: bricks kept in %s", keepEnv, dst)
}
