// The webview's l10n.t (webview/l10n.ts): {0} placeholders and a bundle, as vscode.l10n.t; text set
// through localize follows a new bundle. And the protocol's check of the bundle the host sends with the
// first settings message (an object of strings, bounded).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { L10N_MAX_CHARS, L10N_MAX_ENTRIES, parseL10nBundle, parseToWebview } from '../../src/shared/protocol';
import { l10n, localize, setL10nBundle } from '../../webview/l10n';

test('l10n.t without a bundle: the message itself, with {0}, {1} … replaced', () => {
  setL10nBundle(undefined);
  assert.equal(l10n.t('Check gradient'), 'Check gradient');
  assert.equal(l10n.t('{0} of {1}', 3, 12), '3 of 12');
  assert.equal(l10n.t('Gradient check of {0} failed: {1}', '∂C/∂w²₁,₁', 'no session'), 'Gradient check of ∂C/∂w²₁,₁ failed: no session');
  // Repeated and reordered placeholders, booleans, and placeholders with no argument (kept as written).
  assert.equal(l10n.t('{1} {0} {1}', 'a', 'b'), 'b a b');
  assert.equal(l10n.t('{0}', false), 'false');
  assert.equal(l10n.t('{0} and {2}', 'x'), 'x and {2}');
  // No arguments: braces are left alone; an argument's own braces are not substituted again.
  assert.equal(l10n.t('{0} stays'), '{0} stays');
  assert.equal(l10n.t('“{0}” is not a number', '{0}{1}'), '“{0}{1}” is not a number');
});

test('l10n.t with a bundle: the translation (with placeholders), else the message', () => {
  try {
    assert.equal(setL10nBundle({ 'Check gradient': 'Gradient prüfen', '{0} of {1}': '{0} von {1}', 'Layer {0} neuron {1}: {2} = {3}': 'Schicht {0}, Neuron {1}: {2} = {3}' }), true);
    assert.equal(l10n.t('Check gradient'), 'Gradient prüfen');
    assert.equal(l10n.t('{0} of {1}', 3, 12), '3 von 12');
    assert.equal(l10n.t('Layer {0} neuron {1}: {2} = {3}', 2, 1, 'a²₁', '0.5933'), 'Schicht 2, Neuron 1: a²₁ = 0.5933');
    assert.equal(l10n.t('Not translated {0}', 1), 'Not translated 1');
    // Only the bundle's own messages: nothing from Object.prototype.
    assert.equal(l10n.t('toString'), 'toString');
    assert.equal(l10n.t('constructor'), 'constructor');
  } finally {
    setL10nBundle(undefined);
  }
});

test('localize: text set now and again when the bundle changes (not when it stays the same)', () => {
  const seen: string[] = [];
  localize(() => seen.push(l10n.t('Network')));
  assert.deepEqual(seen, ['Network']);
  try {
    assert.equal(setL10nBundle({ Network: 'Netz' }), true);
    assert.deepEqual(seen, ['Network', 'Netz']);
    assert.equal(setL10nBundle({ Network: 'Netz' }), false, 'the same bundle again');
    assert.deepEqual(seen, ['Network', 'Netz']);
  } finally {
    assert.equal(setL10nBundle(undefined), true);
  }
  assert.deepEqual(seen, ['Network', 'Netz', 'Network']);
  assert.equal(setL10nBundle({}), false, 'an empty bundle is English too');
});

test('the settings message may carry a bundle of strings; anything else is refused', () => {
  const settings = { precision: 4, colorScale: 'diverging' };
  const ok = parseToWebview({ type: 'settings', settings, l10n: { 'Check gradient': 'Gradient prüfen' } });
  assert.deepEqual(ok, { ok: true, value: { type: 'settings', settings, l10n: { 'Check gradient': 'Gradient prüfen' } } });
  // Absent (English): as before.
  assert.deepEqual(parseToWebview({ type: 'settings', settings }), { ok: true, value: { type: 'settings', settings } });
  assert.deepEqual(parseToWebview({ type: 'settings', settings, l10n: undefined }), { ok: true, value: { type: 'settings', settings } });
  assert.equal(parseToWebview({ type: 'settings', settings, l10n: {} }).ok, true);

  const refused = (l10n: unknown): string => {
    const r = parseToWebview({ type: 'settings', settings, l10n });
    assert.equal(r.ok, false, JSON.stringify(l10n)?.slice(0, 80));
    return (r as { error: string }).error;
  };
  assert.match(refused(null), /settings: l10n is not an object/);
  assert.match(refused('Gradient prüfen'), /l10n is not an object/);
  assert.match(refused(['Gradient prüfen']), /l10n is not an object/);
  assert.match(refused({ 'Check gradient': 42 }), /l10n\["Check gradient"\] is not a string/);
  assert.match(refused({ 'Check gradient': { message: 'Gradient prüfen' } }), /is not a string/);
  assert.match(refused({ 'Check gradient': null }), /is not a string/);
  assert.match(refused({ 'Check gradient': 'x'.repeat(L10N_MAX_CHARS + 1) }), /at most 10000 characters/);
  assert.match(refused({ ['k'.repeat(L10N_MAX_CHARS + 1)]: 'x' }), /is not a string of at most/);
  const many = Object.fromEntries(Array.from({ length: L10N_MAX_ENTRIES + 1 }, (_, i) => [`m${i}`, 't']));
  assert.match(refused(many), /more than 10000 messages/);
  // The settings themselves are still checked first.
  assert.equal(parseToWebview({ type: 'settings', settings: { precision: 40, colorScale: 'diverging' }, l10n: {} }).ok, false);
});

test('a bundle is copied into a plain object: a "__proto__" message stays a message', () => {
  const r = parseL10nBundle(JSON.parse('{"__proto__": "Prototyp", "Network": "Netz"}'));
  assert.ok(r.ok);
  assert.equal(Object.getPrototypeOf(r.value), Object.prototype);
  assert.deepEqual(Object.keys(r.value).sort(), ['Network', '__proto__']);
  try {
    setL10nBundle(r.value);
    assert.equal(l10n.t('__proto__'), 'Prototyp');
    assert.equal(l10n.t('Network'), 'Netz');
  } finally {
    setL10nBundle(undefined);
  }
});
