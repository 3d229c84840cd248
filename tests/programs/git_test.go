package programs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gitEnv isolates git from the machine's configuration.
func gitEnv(home string) []string {
	return []string{
		"HOME=" + home, "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME=mortar", "GIT_AUTHOR_EMAIL=mortar@example.invalid",
		"GIT_COMMITTER_NAME=mortar", "GIT_COMMITTER_EMAIL=mortar@example.invalid",
		"GIT_AUTHOR_DATE=2024-01-02T03:04:05Z", "GIT_COMMITTER_DATE=2024-01-02T03:04:05Z",
	}
}

// makeRepo builds a repository of a few hundred files over several commits
// (adds, edits, renames, deletions, an executable and a symlink) and
// returns a bare clone of it.
func makeRepo(t *testing.T, local string, env []string) string {
	t.Helper()
	work := filepath.Join(local, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	git := command{dir: work, env: env}
	git.run(t, "git", "init", "-q", "-b", "main")
	for c := 0; c < 5; c++ {
		for i := 0; i < 80; i++ {
			dir := filepath.Join(work, fmt.Sprintf("pkg%d", i%7), fmt.Sprintf("sub%d", i%3))
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			body := strings.Repeat(fmt.Sprintf("line %d of file %d in commit %d\n", i, i, c), 20+i*3)
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%d.txt", i)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if c == 2 {
			git.run(t, "git", "mv", "pkg1", "renamed1")
			git.run(t, "git", "rm", "-q", "-r", "-f", "pkg2")
			if err := os.WriteFile(filepath.Join(work, "run.sh"), []byte("#!/bin/sh\necho ok\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink("run.sh", filepath.Join(work, "link")); err != nil {
				t.Fatal(err)
			}
		}
		git.run(t, "git", "add", "-A")
		git.run(t, "git", "commit", "-q", "-m", fmt.Sprintf("commit %d", c))
	}
	bare := filepath.Join(local, "repo.git")
	command{dir: local, env: env}.run(t, "git", "clone", "-q", "--bare", work, bare)
	return bare
}

// TestGitCloneFsck clones onto the mount and checks the clone with
// git fsck --full; then commits on the mount, repacks with git gc and
// checks again, and clones back from the mount.
func TestGitCloneFsck(t *testing.T) {
	need(t, "git")
	mnt := target(t)
	local := t.TempDir()
	env := gitEnv(local)
	bare := makeRepo(t, local, env)

	clone := filepath.Join(mnt, "clone")
	command{dir: mnt, env: env}.run(t, "git", "clone", "-q", "--no-local", "file://"+bare, clone)
	git := command{dir: clone, env: env}
	git.run(t, "git", "fsck", "--full", "--strict")
	if out := git.run(t, "git", "status", "--porcelain"); out != "" {
		t.Errorf("git status of a fresh clone on the mount is not clean:\n%s", tail(out, 30))
	}
	if n := strings.Count(git.run(t, "git", "log", "--oneline"), "\n"); n != 5 {
		t.Errorf("git log shows %d commits, want 5", n)
	}
	if out := git.run(t, "./run.sh"); out != "ok\n" {
		t.Errorf("the checked-out script printed %q", out)
	}
	want := command{dir: local, env: env}.run(t, "git", "-C", bare, "rev-parse", "main^{tree}")
	if got := git.run(t, "git", "rev-parse", "HEAD^{tree}"); got != want {
		t.Errorf("tree of the clone %s, want %s", got, want)
	}
	// The work tree hashes to the same tree.
	git.run(t, "git", "add", "-A")
	if got := git.run(t, "git", "write-tree"); got != want {
		t.Errorf("git write-tree of the checked-out files: %s, want %s", got, want)
	}

	// Work on the mount: edits, commits, branches, gc (packs, renames and
	// unlinks many files), fsck again.
	for c := 0; c < 3; c++ {
		p := filepath.Join(clone, "pkg0", "sub0", "file0.txt")
		if err := os.WriteFile(p, []byte(fmt.Sprintf("edited on the mount %d\n", c)), 0o644); err != nil {
			t.Fatal(err)
		}
		git.run(t, "git", "commit", "-q", "-a", "-m", fmt.Sprintf("mount commit %d", c))
	}
	git.run(t, "git", "checkout", "-q", "-b", "side", "HEAD~2")
	git.run(t, "git", "checkout", "-q", "main")
	git.run(t, "git", "-c", "gc.autoDetach=false", "gc", "-q", "--aggressive", "--prune=now")
	git.run(t, "git", "fsck", "--full", "--strict")
	if out := git.run(t, "git", "status", "--porcelain"); out != "" {
		t.Errorf("git status after gc is not clean:\n%s", tail(out, 30))
	}
	back := filepath.Join(local, "back")
	command{dir: local, env: env}.run(t, "git", "clone", "-q", "--no-local", "file://"+clone, back)
	command{dir: back, env: env}.run(t, "git", "fsck", "--full")
	if n := strings.Count(command{dir: back, env: env}.run(t, "git", "log", "--oneline"), "\n"); n != 8 {
		t.Errorf("clone of the clone has %d commits, want 8", n)
	}
}
