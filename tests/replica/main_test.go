package replica

import (
	"os"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(childMain())
	}
	os.Exit(cluster.Main(m))
}
