package transport

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// serverLogger adapts nats-server's Logger to slog. The server's notices
// (startup banner, client churn) go to Debug except slow-consumer notices,
// which are raised to Warn.
type serverLogger struct{ l *slog.Logger }

func newServerLogger(l *slog.Logger) *serverLogger {
	return &serverLogger{l: l.With("component", "nats-server")}
}

func (s *serverLogger) log(level slog.Level, format string, v []any) {
	if !s.l.Enabled(context.Background(), level) {
		return
	}
	s.l.Log(context.Background(), level, fmt.Sprintf(format, v...))
}

func (s *serverLogger) Noticef(format string, v ...any) {
	level := slog.LevelDebug
	if strings.Contains(format, "Slow Consumer") {
		level = slog.LevelWarn
	}
	s.log(level, format, v)
}

func (s *serverLogger) Warnf(format string, v ...any)  { s.log(slog.LevelWarn, format, v) }
func (s *serverLogger) Fatalf(format string, v ...any) { s.log(slog.LevelError, format, v) }
func (s *serverLogger) Errorf(format string, v ...any) { s.log(slog.LevelError, format, v) }
func (s *serverLogger) Debugf(format string, v ...any) { s.log(slog.LevelDebug, format, v) }
func (s *serverLogger) Tracef(format string, v ...any) { s.log(slog.LevelDebug-4, format, v) }
