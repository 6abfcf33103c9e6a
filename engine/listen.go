package engine

import (
	"fmt"
	"net"
	"strings"
)

// checkListeners refuses MySQL serving beyond loopback without a password
// (unless MySQL.Insecure) and warns about metrics beyond loopback.
func (e *Engine) checkListeners() error {
	m := e.opts.MySQL
	if m.Addr != "" && !isLoopbackAddr(m.Addr) && m.Password == "" && !m.Insecure {
		return fmt.Errorf("--mysql %s listens beyond this machine (not a loopback address): set --mysql-password, "+
			"or --mysql-insecure to serve user %s without a password, or listen on 127.0.0.1", m.Addr, m.User)
	}
	if m.Addr != "" && !isLoopbackAddr(m.Addr) && m.Password == "" {
		e.log.Warn("--mysql-insecure: serving MySQL without a password beyond loopback", "addr", m.Addr, "user", m.User)
	}
	if a := e.opts.MetricsAddr; a != "" && !isLoopbackAddr(a) {
		e.log.Warn("--metrics listens beyond this machine (not a loopback address): anyone who can reach it reads the metrics; use 127.0.0.1:PORT to keep them local", "addr", a)
	}
	return nil
}

// isLoopbackAddr reports whether a listen address HOST:PORT binds only
// loopback interfaces: 127.0.0.0/8, ::1 or localhost. An empty host,
// 0.0.0.0 or :: listen on every interface.
func isLoopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}
