/**
 * Contact phone numbers are stored in E.164 form. The manual tells Czech customers to type
 * their number without the +420 prefix, so a bare 9-digit number is Czech.
 */
export function normalisePhone(input: string): string | null {
  const compact = input.trim().replace(/[\s\-().\/]/g, '');
  if (compact === '') return null;
  let digits: string;
  if (compact.startsWith('+')) digits = compact.slice(1);
  else if (compact.startsWith('00')) digits = compact.slice(2);
  else if (/^\d{9}$/.test(compact)) digits = `420${compact}`;
  else return null;
  if (!/^\d{8,15}$/.test(digits)) return null;
  if (digits.startsWith('420') && digits.length !== 12) return null;
  return `+${digits}`;
}

/** +420 602 123 456 for Czech numbers, the E.164 form otherwise. */
export function formatPhone(e164: string | null | undefined): string {
  if (!e164) return '';
  const m = /^\+420(\d{3})(\d{3})(\d{3})$/.exec(e164);
  return m ? `+420 ${m[1]} ${m[2]} ${m[3]}` : e164;
}
