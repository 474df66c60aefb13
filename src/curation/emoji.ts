// Older integrations wrote `:bulb:` in their texts; Channel Talk documents
// only Unicode emoji. Known shortcodes are translated once, at load, in the
// template source (never in inserted customer text). Unknown ones stay as they
// are, so text like "10:30:00" is never touched.

const EMOJI: Record<string, string> = {
  bulb: '💡', muscle: '💪', tada: '🎉', gift: '🎁', droplet: '💧', green_salad: '🥗', salad: '🥗',
  fire: '🔥', blush: '😊', smile: '😄', wave: '👋', heart: '❤️', star: '⭐', sparkles: '✨', clap: '👏',
  point_right: '👉', point_down: '👇', white_check_mark: '✅', warning: '⚠️', calendar: '📅', clock3: '🕒',
  alarm_clock: '⏰', chart_with_upwards_trend: '📈', rice: '🍚', egg: '🥚', poultry_leg: '🍗',
  sweet_potato: '🍠', banana: '🍌', fish: '🐟', package: '📦', truck: '🚚', money_with_wings: '💸',
  pray: '🙏', raised_hands: '🙌', runner: '🏃', memo: '📝', thumbsup: '👍', '+1': '👍', ok_hand: '👌',
  hourglass: '⌛', seedling: '🌱', apple: '🍎', coffee: '☕', speech_balloon: '💬', link: '🔗',
};

export function replaceShortcodes(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}
