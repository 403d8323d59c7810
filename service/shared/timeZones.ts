/** Whether `zone` is an IANA time zone this runtime knows (Asia/Shanghai, Europe/London, UTC…). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
