/* Freestanding vsnprintf (see printf.h for the supported conversions). */
#include "lib/printf.h"
#include <stdint.h>
#include <stdbool.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

struct spec {
	bool left, zero, alt;
	int width, prec;
	int base;
	bool upper, is_signed;
};

static void out_number(struct out *o, uint64_t v, bool neg, const struct spec *s)
{
	const char *digits = s->upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, len, pad;

	do {
		tmp[n++] = digits[v % (unsigned)s->base];
		v /= (unsigned)s->base;
	} while (v);
	while (n < s->prec && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	len = n + (neg ? 1 : 0);
	pad = s->width > len ? s->width - len : 0;
	if (!s->left && !s->zero)
		out_pad(o, ' ', pad);
	if (neg)
		out_char(o, '-');
	if (!s->left && s->zero)
		out_pad(o, '0', pad);
	while (n)
		out_char(o, tmp[--n]);
	if (s->left)
		out_pad(o, ' ', pad);
}

static void out_string(struct out *o, const char *str, const struct spec *s)
{
	int len = 0, pad;

	if (!str)
		str = "(null)";
	while (str[len] && (s->prec < 0 || len < s->prec))
		len++;
	pad = s->width > len ? s->width - len : 0;
	if (!s->left)
		out_pad(o, ' ', pad);
	for (int i = 0; i < len; i++)
		out_char(o, str[i]);
	if (s->left)
		out_pad(o, ' ', pad);
}

static const char *parse_int(const char *p, int *v, va_list *ap)
{
	if (*p == '*') {
		*v = va_arg(*ap, int);
		return p + 1;
	}
	*v = 0;
	while (*p >= '0' && *p <= '9')
		*v = *v * 10 + (*p++ - '0');
	return p;
}

/* Reads one integer argument of the given length modifier ('H' = hh). */
static uint64_t fetch_int(va_list *ap, char len, bool is_signed, bool *neg)
{
	int64_t sv;

	*neg = false;
	if (!is_signed) {
		switch (len) {
		case 'H': return (unsigned char)va_arg(*ap, unsigned int);
		case 'h': return (unsigned short)va_arg(*ap, unsigned int);
		case 'l': return va_arg(*ap, unsigned long);
		case 'q': return va_arg(*ap, unsigned long long);
		case 'z': return va_arg(*ap, size_t);
		default:  return va_arg(*ap, unsigned int);
		}
	}
	switch (len) {
	case 'H': sv = (signed char)va_arg(*ap, int); break;
	case 'h': sv = (short)va_arg(*ap, int); break;
	case 'l': sv = va_arg(*ap, long); break;
	case 'q': sv = va_arg(*ap, long long); break;
	case 'z': sv = va_arg(*ap, long); break;
	default:  sv = va_arg(*ap, int); break;
	}
	if (sv < 0) {
		*neg = true;
		return (uint64_t)0 - (uint64_t)sv;
	}
	return (uint64_t)sv;
}

static const char *parse_length(const char *p, char *len)
{
	*len = 0;
	if (p[0] == 'h' && p[1] == 'h') { *len = 'H'; return p + 2; }
	if (p[0] == 'l' && p[1] == 'l') { *len = 'q'; return p + 2; }
	if (*p == 'h' || *p == 'l' || *p == 'z') { *len = *p; return p + 1; }
	if (*p == 't' || *p == 'j') { *len = 'q'; return p + 1; }
	return p;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { buf, size, 0 };
	va_list ap;

	va_copy(ap, ap_in);
	for (const char *p = fmt; *p; p++) {
		struct spec s = { .prec = -1, .base = 10 };
		char len;
		bool neg;
		uint64_t v;

		if (*p != '%') {
			out_char(&o, *p);
			continue;
		}
		for (p++;; p++) {
			if (*p == '-') s.left = true;
			else if (*p == '0') s.zero = true;
			else if (*p == '#') s.alt = true;
			else break;
		}
		p = parse_int(p, &s.width, &ap);
		if (s.width < 0) {
			s.left = true;
			s.width = -s.width;
		}
		if (*p == '.')
			p = parse_int(p + 1, &s.prec, &ap);
		p = parse_length(p, &len);
		switch (*p) {
		case 'd': case 'i':
			s.is_signed = true;
			/* fall through */
		case 'u':
			v = fetch_int(&ap, len, s.is_signed, &neg);
			out_number(&o, v, neg, &s);
			break;
		case 'X':
			s.upper = true;
			/* fall through */
		case 'x': case 'o':
			s.base = *p == 'o' ? 8 : 16;
			v = fetch_int(&ap, len, false, &neg);
			if (s.alt && s.base == 16) {
				out_char(&o, '0');
				out_char(&o, *p);
			}
			out_number(&o, v, false, &s);
			break;
		case 'p':
			s.base = 16;
			out_char(&o, '0');
			out_char(&o, 'x');
			out_number(&o, (uintptr_t)va_arg(ap, void *), false, &s);
			break;
		case 'c':
			out_char(&o, (char)va_arg(ap, int));
			break;
		case 's':
			out_string(&o, va_arg(ap, const char *), &s);
			break;
		case '%':
			out_char(&o, '%');
			break;
		case 0:
			p--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *p);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

const char *kfmt_fixed(char *buf, size_t size, uint64_t v, unsigned decimals)
{
	uint64_t scale = 1;

	for (unsigned i = 0; i < decimals; i++)
		scale *= 10;
	if (!decimals)
		ksnprintf(buf, size, "%lu", v);
	else
		ksnprintf(buf, size, "%lu.%0*lu", v / scale, (int)decimals,
			  v % scale);
	return buf;
}
