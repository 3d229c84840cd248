package e2e

import (
	"os"
	"testing"

	"github.com/mortarfs/mortar/tests/cluster"
)

func TestMain(m *testing.M) {
	os.Exit(cluster.Main(m))
}
