// Package programs runs real programs on a 3-brick distributed mortar mount
// and checks their exit status and what they leave on the file system:
//
//   - tar extracts /usr/local/go/src (≈12,000 files) and diff -r finds it
//     identical, with modes, times and symlinks checked too; rm -rf removes
//     it all;
//   - git clones a repository made on the spot (no network), passes
//     git fsck --full, commits, repacks with git gc, and passes again;
//   - rsync -aHAX copies a tree with hard links, symlinks, special files,
//     xattrs and ACLs, and rsync -c --dry-run --itemize-changes then reports
//     nothing to do, before and after a second, incremental run;
//   - two sqlite3 processes write one database at the same time (rollback
//     journal and WAL), then PRAGMA integrity_check is ok and every row is
//     there exactly once.
//
// Each test makes its own volume (tests/cluster). Setting
// MORTAR_PROGRAMS_DIR runs the same tests in a directory of any file
// system instead, to check the tests themselves.
package programs
