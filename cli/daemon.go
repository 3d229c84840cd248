package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"

	"github.com/mortarfs/mortar/peer"
	"github.com/mortarfs/mortar/peer/shd"
	"github.com/mortarfs/mortar/volume"
)

// daemonConfig is the daemon's configuration file (--config, JSON); flags
// given on the command line win.
type daemonConfig struct {
	StateDir   string `json:"state_dir"`
	Listen     string `json:"listen"`
	Port       int    `json:"port"`
	GossipPort int    `json:"gossip_port"`
	Socket     string `json:"socket"`
	LogLevel   string `json:"log_level"`
	LogFile    string `json:"log_file"`
}

func daemonCmd() *command {
	var (
		cfgFile string
		c       daemonConfig
		logf    logFlags
	)
	return &command{
		name:    "daemon",
		usage:   "[--config FILE] [--state-dir /var/lib/mortar] [--listen ADDR] [--gossip-port 7421] [--socket PATH]",
		summary: "run the node daemon: pool membership, volumes, bricks (one per server)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&cfgFile, "config", "", "JSON configuration file (state_dir, listen, port, gossip_port, socket, log_level, log_file)")
			fs.StringVar(&c.StateDir, "state-dir", "", "state directory (default /var/lib/mortar)")
			fs.StringVar(&c.Listen, "listen", "", "address to listen on and be known by, HOST or HOST:PORT (default: this host's name, port 7420)")
			fs.IntVar(&c.GossipPort, "gossip-port", 0, "memberlist port on the same address (default 7421)")
			fs.StringVar(&c.Socket, "socket", "", "unix socket of the local CLI (default "+DefaultSocket+")")
			logf.register(fs)
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q", args[0])
			}
			cfg, err := c.resolve(cfgFile, &logf)
			if err != nil {
				return err
			}
			log, closeLog, err := logf.logger(e.stderr)
			if err != nil {
				return err
			}
			defer closeLog()
			cfg.Logger = log
			cfg.Runner = shdRunner{log: log.With("part", "shd")}
			d, err := peer.New(cfg)
			if err != nil {
				return err
			}
			<-ctx.Done()
			log.Info("daemon stopping")
			return d.Close()
		},
	}
}

// resolve merges the configuration file under the flags and fills the
// defaults.
func (c daemonConfig) resolve(file string, logf *logFlags) (peer.Config, error) {
	merged := daemonConfig{StateDir: "/var/lib/mortar", Socket: DefaultSocket}
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return peer.Config{}, fmt.Errorf("config: %w", err)
		}
		if err := json.Unmarshal(b, &merged); err != nil {
			return peer.Config{}, fmt.Errorf("config %s: %w", file, err)
		}
		if merged.LogLevel != "" && logf.level == "info" {
			logf.level = merged.LogLevel
		}
		if merged.LogFile != "" && logf.file == "" {
			logf.file = merged.LogFile
		}
	}
	for _, f := range []struct {
		dst *string
		v   string
	}{{&merged.StateDir, c.StateDir}, {&merged.Listen, c.Listen}, {&merged.Socket, c.Socket}} {
		if f.v != "" {
			*f.dst = f.v
		}
	}
	if c.GossipPort != 0 {
		merged.GossipPort = c.GossipPort
	}
	host, port := merged.Listen, merged.Port
	if h, p, err := net.SplitHostPort(merged.Listen); err == nil {
		n, err := strconv.Atoi(p)
		if err != nil {
			return peer.Config{}, usagef("--listen %q: bad port", merged.Listen)
		}
		host, port = h, n
	}
	if host == "" {
		h, err := os.Hostname()
		if err != nil {
			return peer.Config{}, fmt.Errorf("host name: %w", err)
		}
		host = h
	}
	return peer.Config{StateDir: merged.StateDir, Host: host, Port: port, GossipPort: merged.GossipPort, Socket: merged.Socket}, nil
}

// shdRunner runs the self-heal daemon of each started volume with a brick
// on this peer.
type shdRunner struct{ log *slog.Logger }

func (r shdRunner) Start(ctx context.Context, vf *volume.Volfile, local func(volume.BrickRef) bool) peer.VolumeRun {
	return shd.Start(ctx, shd.Config{Volfile: vf, Local: local, Logger: r.log.With("volume", vf.Name)})
}
