package api

import "github.com/partnerflow/partnerflow/partnership"

// checkWorth refuses terms whose kind says one thing and whose money another: an affiliate
// partnership pays a commission on sales, so it needs commission_bps (one with neither fee
// nor commission was accepted, a deal worth nothing); a gifting partnership pays in product,
// so it has no fee; a one-off or ambassador partnership pays something, a fee or a commission
// (product alone is gifting). Each refusal names the field to fix.
func (t termsBody) checkWorth(prefix string) error {
	switch t.Kind {
	case "affiliate":
		if t.CommissionBps < 1 {
			return invalidFields(map[string]string{prefix + ".commission_bps": "is required for an affiliate partnership, which pays a commission on sales: at least 1 basis point"})
		}
	case "gifting":
		if t.Fee.AmountMinor != 0 {
			return invalidFields(map[string]string{prefix + ".fee.amount_minor": "must be 0 for a gifting partnership, which pays in product (a one_off partnership pays a fee)"})
		}
	case "one_off", partnership.KindAmbassador:
		if t.Fee.AmountMinor == 0 && t.CommissionBps == 0 {
			return invalidFields(map[string]string{prefix + ".fee.amount_minor": "must be above 0 for a " + partnership.KindName(t.Kind) +
				" partnership without a commission (product alone is a gifting partnership)"})
		}
	}
	return nil
}
