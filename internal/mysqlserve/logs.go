package mysqlserve

import (
	"context"
	"io"
	"log/slog"

	"github.com/sirupsen/logrus"
)

// go-mysql-server logs through logrus. slogHook forwards its entries to
// velort's slog logger; entries at quiet or less severe (connection
// chatter, per-query errors that the client receives anyway) become Debug.
type slogHook struct {
	log   *slog.Logger
	quiet logrus.Level
}

func (h *slogHook) Levels() []logrus.Level { return logrus.AllLevels }

func (h *slogHook) Fire(e *logrus.Entry) error {
	level := slog.LevelDebug
	switch {
	case e.Level >= h.quiet:
	case e.Level <= logrus.ErrorLevel:
		level = slog.LevelError
	case e.Level == logrus.WarnLevel:
		level = slog.LevelWarn
	default:
		level = slog.LevelInfo
	}
	if !h.log.Enabled(context.Background(), level) {
		return nil
	}
	attrs := make([]any, 0, 2*len(e.Data))
	for k, v := range e.Data {
		attrs = append(attrs, k, v)
	}
	h.log.Log(context.Background(), level, "mysql: "+e.Message, attrs...)
	return nil
}

// newLogrus returns a logrus logger writing only to log, at Info level
// (go-mysql-server's Debug and Trace logging is per query and costly).
func newLogrus(log *slog.Logger, quiet logrus.Level) *logrus.Logger {
	l := logrus.New()
	l.Out = io.Discard
	l.Level = logrus.InfoLevel
	l.AddHook(&slogHook{log: log, quiet: quiet})
	return l
}

// routeGlobalLogrus sends logrus' standard logger, which go-mysql-server's
// server uses for connection events, to log. It is process-wide; nothing
// else in velort uses logrus.
func routeGlobalLogrus(log *slog.Logger) {
	std := logrus.StandardLogger()
	l := newLogrus(log, logrus.InfoLevel)
	std.SetOutput(io.Discard)
	std.SetLevel(l.Level)
	std.ReplaceHooks(l.Hooks)
}
