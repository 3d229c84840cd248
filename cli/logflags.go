package cli

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// logFlags are the logging flags every long-running command takes.
type logFlags struct {
	level string
	file  string
}

func (l *logFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&l.level, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&l.file, "log-file", "", "write logs to this file instead of stderr")
}

// logger builds the slog logger; the returned func closes the log file.
func (l *logFlags) logger(stderr io.Writer) (*slog.Logger, func(), error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(l.level))); err != nil {
		return nil, nil, usagef("--log-level %q: %v", l.level, err)
	}
	return newLogger(stderr, l.file, lvl)
}

func newLogger(stderr io.Writer, file string, lvl slog.Level) (*slog.Logger, func(), error) {
	w, closeFn := stderr, func() {}
	if file != "" {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			return nil, nil, fmt.Errorf("log file: %w", err)
		}
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("log file: %w", err)
		}
		w, closeFn = f, func() { _ = f.Close() }
	}
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
	slog.SetDefault(log)
	return log, closeFn, nil
}
