package sandbox

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The commerce provider mimics Shopify price rules and discount codes, plus an orders query
// filtered by the code that was applied.

var discountCodePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// codeKey makes codes case-insensitive, as shoppers type them in any case.
func codeKey(code string) string { return strings.ToUpper(code) }

type discountInput struct {
	Code     string            `json:"code"`
	Percent  int               `json:"percent"`
	Metadata map[string]string `json:"metadata"`
}

func (in *discountInput) validate() *apiError {
	var errs fieldErrors
	if !discountCodePattern.MatchString(in.Code) {
		errs.add("code", "must be 1-64 letters, digits, dashes or underscores")
	}
	if in.Percent < 1 || in.Percent > 100 {
		errs.add("percent", "must be between 1 and 100")
	}
	validateMetadata("metadata", in.Metadata, maxMetadataKeys, maxMetadataKey, maxMetadataValue, &errs)
	return errs.err()
}

type discountJSON struct {
	ID      string `json:"id"`
	Code    string `json:"code"`
	Link    string `json:"link"`
	Percent int    `json:"percent"`
}

func shopLink(base, code string) string {
	return base + "/shop?discount=" + url.QueryEscape(code)
}

// POST /commerce/v1/discount_codes. A code is unique whichever key created it: the same code
// under another idempotency key is a conflict, not a second code.
func (s *Sandbox) handleCreateDiscount(w http.ResponseWriter, r *http.Request) {
	body, apiErr := readBody(w, r)
	var in discountInput
	if apiErr == nil {
		apiErr = decodeLenient(body, &in)
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	key := r.Header.Get(idempotencyHeader)
	base := s.publicURL(r)
	s.serveCreate(w, r, providerCommerce, body, func() (int, any, *apiError) {
		if e := in.validate(); e != nil {
			return 0, nil, e
		}
		if _, taken := s.st.Discounts[codeKey(in.Code)]; taken {
			return 0, nil, errorf(http.StatusConflict, "discount code "+in.Code+" already exists")
		}
		d := &discount{
			ID: newID("dc_"), Code: in.Code, Percent: in.Percent, Metadata: in.Metadata,
			IdempotencyKey: key, CreatedAt: now(),
		}
		s.st.Discounts[codeKey(d.Code)] = d
		s.log.Info("discount code created", "discount_id", d.ID)
		return http.StatusCreated, discountJSON{ID: d.ID, Code: d.Code, Link: shopLink(base, d.Code), Percent: d.Percent}, nil
	})
}

type orderJSON struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	AmountMinor int64     `json:"amount_minor"`
	Currency    string    `json:"currency"`
	CreatedAt   time.Time `json:"created_at"`
}

func orderJSONOf(o *order) orderJSON {
	return orderJSON{ID: o.ID, Code: o.Code, AmountMinor: o.AmountMinor, Currency: o.Currency, CreatedAt: o.CreatedAt}
}

// GET /commerce/v1/orders?discount_code=CODE lists the orders that used a code, oldest first.
// An unknown code simply has no orders, as a filter on the real API would.
func (s *Sandbox) handleListOrders(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("discount_code")
	if code == "" {
		writeError(w, errorf(http.StatusBadRequest, "discount_code query parameter is required"))
		return
	}
	s.mu.Lock()
	orders := []orderJSON{}
	for _, o := range s.st.Orders {
		if codeKey(o.Code) == codeKey(code) {
			orders = append(orders, orderJSONOf(o))
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"orders": orders})
}

type orderInput struct {
	Code        string `json:"code"`
	AmountMinor int64  `json:"amount_minor"`
	Currency    string `json:"currency"`
}

// POST /sandbox/commerce/orders records a purchase with a discount code, as a shopper would.
func (s *Sandbox) handlePlaceOrder(w http.ResponseWriter, r *http.Request) {
	var in orderInput
	body, apiErr := readBody(w, r)
	if apiErr == nil {
		apiErr = decodeStrict(body, &in)
	}
	if apiErr == nil {
		var errs fieldErrors
		if strings.TrimSpace(in.Code) == "" {
			errs.add("code", "required")
		}
		if in.AmountMinor <= 0 || in.AmountMinor > maxTransferAmount {
			errs.add("amount_minor", "must be a positive amount in minor units")
		}
		if !currencyPattern.MatchString(in.Currency) {
			errs.add("currency", "must be a three-letter ISO 4217 code")
		}
		apiErr = errs.err()
	}
	if apiErr != nil {
		writeError(w, apiErr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.st.Discounts[codeKey(in.Code)]
	if !ok {
		writeError(w, errorf(http.StatusNotFound, "discount code not found"))
		return
	}
	o := &order{ID: newID("ord_"), Code: d.Code, AmountMinor: in.AmountMinor, Currency: strings.ToUpper(in.Currency), CreatedAt: now()}
	s.st.Orders = append(s.st.Orders, o)
	if err := s.commitLocked(); err != nil {
		writeError(w, errStateNotSaved)
		return
	}
	s.log.Info("order placed", "order_id", o.ID, "amount_minor", o.AmountMinor, "currency", o.Currency)
	writeJSON(w, http.StatusCreated, orderJSONOf(o))
}

var shopPage = template.Must(template.New("shop").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sandbox shop</title></head>
<body><h1>Sandbox shop</h1>
{{if .Code}}<p>Discount <strong>{{.Code}}</strong> {{if .Known}}applied: {{.Percent}}% off.{{else}}is not valid.{{end}}</p>{{end}}
<p>Orders are placed with <code>POST /sandbox/commerce/orders</code>.</p>
</body></html>
`))

// GET /shop is where tracking links land; it only shows whether the code exists.
func (s *Sandbox) handleShop(w http.ResponseWriter, r *http.Request) {
	var data struct {
		Code    string
		Known   bool
		Percent int
	}
	data.Code = r.URL.Query().Get("discount")
	if data.Code != "" {
		s.mu.Lock()
		if d, ok := s.st.Discounts[codeKey(data.Code)]; ok {
			data.Known, data.Percent = true, d.Percent
		}
		s.mu.Unlock()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := shopPage.Execute(w, data); err != nil {
		s.log.Debug("rendering shop page failed", "error", err)
	}
}

// GET /sandbox/commerce/discount_codes lists every code created, with its idempotency key and
// metadata, so people and tests can see that a retried activity never made a second one.
func (s *Sandbox) handleListDiscounts(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	items := make([]discount, 0, len(s.st.Discounts))
	for _, d := range s.st.Discounts {
		items = append(items, *d)
	}
	s.mu.Unlock()
	slices.SortFunc(items, func(a, b discount) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.ID, b.ID))
	})
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
