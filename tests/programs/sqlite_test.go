package programs

import (
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// writerScript inserts n rows tagged who, txn rows per transaction.
func writerScript(who string, n, txn int) string {
	var b strings.Builder
	b.WriteString(".timeout 120000\n")
	for i := 0; i < n; i += txn {
		b.WriteString("BEGIN IMMEDIATE;\n")
		for k := i; k < i+txn && k < n; k++ {
			fmt.Fprintf(&b, "INSERT INTO t(who, seq, payload) VALUES('%s', %d, hex(randomblob(%d)));\n", who, k, 50+k%200)
		}
		b.WriteString("COMMIT;\n")
	}
	return b.String()
}

// TestSqliteConcurrentWriters has two sqlite3 processes insert into one
// database on the mount at the same time, in transactions, relying on the
// file system's fcntl locks; the database must pass integrity_check and hold
// every row exactly once. Both with the rollback journal and with WAL (which
// also needs a shared writable mmap of the -shm file).
func TestSqliteConcurrentWriters(t *testing.T) {
	need(t, "sqlite3")
	mnt := target(t)
	for _, c := range []struct {
		mode string
		rows int // per writer
	}{{"delete", 1000}, {"wal", 500}} {
		t.Run(c.mode, func(t *testing.T) {
			db := filepath.Join(mnt, c.mode+".db")
			sql := command{stdin: fmt.Sprintf(".timeout 60000\nPRAGMA journal_mode=%s;\n"+
				"CREATE TABLE t(id INTEGER PRIMARY KEY, who TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT, UNIQUE(who, seq));\n", c.mode)}
			if out := sql.run(t, "sqlite3", "-bail", db); !strings.Contains(out, c.mode) {
				t.Fatalf("PRAGMA journal_mode=%s answered %q", c.mode, out)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			outs := make([]string, 2)
			for w, who := range []string{"A", "B"} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					outs[w], errs[w] = command{stdin: writerScript(who, c.rows, 10)}.output("sqlite3", "-bail", db)
				}()
			}
			wg.Wait()
			for w := range errs {
				if errs[w] != nil {
					t.Errorf("writer %d: sqlite3: %v\n%s", w, errs[w], tail(outs[w], 30))
				}
			}
			q := func(query string) string {
				t.Helper()
				return strings.TrimSpace(command{stdin: ".timeout 60000\n" + query + "\n"}.run(t, "sqlite3", "-bail", db))
			}
			if got := q("PRAGMA integrity_check;"); got != "ok" {
				t.Errorf("PRAGMA integrity_check: %s", tail(got, 30))
			}
			if got, want := q("SELECT count(*) FROM t;"), fmt.Sprint(2*c.rows); got != want {
				t.Errorf("row count %s, want %s", got, want)
			}
			if got, want := q("SELECT who, count(DISTINCT seq), min(seq), max(seq) FROM t GROUP BY who ORDER BY who;"),
				fmt.Sprintf("A|%d|0|%d\nB|%d|0|%d", c.rows, c.rows-1, c.rows, c.rows-1); got != want {
				t.Errorf("rows per writer:\n%s\nwant\n%s", got, want)
			}
		})
	}
}
