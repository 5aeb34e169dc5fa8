package service

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/partnerflow/partnerflow/store"
)

// overdueGauge is partnerflow_partnerships_overdue{role}: open partnerships whose next action
// is past due, by the role that must act. Every worker replica reports the same number from
// the shared read model; alert on max().
func overdueGauge() *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "partnerflow_partnerships_overdue",
		Help: "Open partnerships whose next action is past its due time, by the role that must act (from the read model).",
	}, []string{"role"})
}

// refreshOverdue sets g from the read model as of now.
func refreshOverdue(ctx context.Context, st *store.Store, g *prometheus.GaugeVec, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	counts, err := st.OverdueByRole(ctx, now)
	if err != nil {
		return err
	}
	g.Reset()
	for role, n := range counts {
		g.WithLabelValues(role).Set(float64(n))
	}
	return nil
}

// trackOverdue registers the overdue gauge and refreshes it every interval until ctx ends.
func (t *Telemetry) trackOverdue(ctx context.Context, st *store.Store, interval time.Duration, log *slog.Logger) {
	g := overdueGauge()
	if err := t.Registry.Register(g); err != nil {
		log.Warn("overdue gauge not registered", "err", err)
		return
	}
	defer t.Registry.Unregister(g)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := refreshOverdue(ctx, st, g, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("counting overdue partnerships", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
