// Every text of the canvas in English and Japanese. `ja` is typed by the keys of `en`, so a missing key is a
// compile error; messages.unit.spec.ts also checks that placeholders match.
export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

const en = {
  'app.title': 'ImageFlowCanvas',
  'app.language': 'Language',
  'app.logout': 'Sign out',
  'app.languageName.en': 'English',
  'app.languageName.ja': '日本語',

  'login.title': 'Sign in',
  'login.apiKey': 'API key',
  'login.help': 'An operator or admin key (POST /api/v1/api-keys). It is kept for this tab only.',
  'login.submit': 'Sign in',
  'login.checking': 'Checking…',
  'login.empty': 'Enter an API key.',
  'login.refused': 'The gateway refused this key (HTTP {status}).',
  'login.unreachable': 'Cannot reach the gateway: {message}',
  'login.expired': 'Your key was refused; sign in again.',

  'palette.title': 'Parts',
  'palette.search': 'Search parts',
  'palette.category.pre': 'Pre-processing',
  'palette.category.ai': 'AI',
  'palette.category.post': 'Post-processing',
  'palette.empty': 'No part matches.',
  'palette.add': 'Add {title} to the canvas',
  'palette.hint': 'Drag a part onto the canvas, or focus it and press Enter.',
  'palette.loading': 'Loading parts…',
  'palette.loadFailed': 'Could not load the parts: {message}',
  'palette.retry': 'Retry',
  'palette.sourceDown': '{address} did not answer: {error}',

  'canvas.label': 'Pipeline canvas',
  'canvas.toolbar': 'Canvas tools',
  'canvas.undo': 'Undo',
  'canvas.redo': 'Redo',
  'canvas.delete': 'Delete selection',
  'canvas.layout': 'Auto-layout',
  'canvas.fit': 'Zoom to fit',
  'canvas.unsaved': 'Unsaved changes',
  'canvas.clean': 'No unsaved changes',
  'canvas.refused.typeMismatch': 'Not connected: {from} output cannot feed a {to} input.',
  'canvas.refused.inputTaken': 'Not connected: that input already has a connection.',
  'canvas.shortcuts': 'Shortcuts: Delete removes, Ctrl+Z undoes, Ctrl+Shift+Z or Ctrl+Y redoes.',

  'node.source': 'Input image',
  'node.sourceAria': 'Input image node',
  'node.aria': '{title} node {id}',
  'node.inputAria': 'Input {port} of {node} ({kind})',
  'node.outputAria': 'Output {port} of {node} ({kind})',
  'node.problems': '{count} problem(s)',
  'node.unknownPart': 'Unknown part {part}',
  'node.compatible': 'Compatible port',

  'validation.title': 'Problems',
  'validation.ok': 'Valid: ready to save.',
  'validation.blocked': 'Saving is blocked: {count} problem(s).',

  'issue.EMPTY_PIPELINE': 'The pipeline has no nodes.',
  'issue.INVALID_NODE_ID': 'Invalid node id.',
  'issue.DUPLICATE_NODE': 'Node id used twice.',
  'issue.UNKNOWN_PART': 'Unknown part.',
  'issue.UNKNOWN_NODE': 'Connection to a missing node.',
  'issue.UNKNOWN_PORT': 'Unknown port.',
  'issue.TYPE_MISMATCH': 'Port types differ.',
  'issue.DUPLICATE_INPUT': 'Input connected twice.',
  'issue.MISSING_INPUT': 'Required input not connected.',
  'issue.INVALID_PARAMETERS': 'Invalid parameter.',
  'issue.INVALID_POLICY': 'Invalid retry or timeout.',
  'issue.INVALID_CONDITION': 'Invalid branch condition.',
  'issue.CYCLE': 'Cycle: {path}',

  'inspector.title': 'Node',
  'inspector.empty': 'Select a node to edit its parameters.',
  'inspector.id': 'Node id',
  'inspector.part': 'Part',
  'inspector.label': 'Label',
  'inspector.parameters': 'Parameters',
  'inspector.noParameters': 'This part has no parameters.',
  'inspector.default': 'Default: {value}',
  'inspector.range': 'Range: {min} to {max}',
  'inspector.required': 'required',
  'inspector.unset': '(default)',
  'inspector.badJson': 'Not valid JSON.',
  'inspector.ports': 'Ports',
} as const;

export type MessageKey = keyof typeof en;

const ja: Record<MessageKey, string> = {
  'app.title': 'ImageFlowCanvas',
  'app.language': '言語',
  'app.logout': 'サインアウト',
  'app.languageName.en': 'English',
  'app.languageName.ja': '日本語',

  'login.title': 'サインイン',
  'login.apiKey': 'API キー',
  'login.help': 'オペレーターまたは管理者のキー（POST /api/v1/api-keys）。このタブの間だけ保持します。',
  'login.submit': 'サインイン',
  'login.checking': '確認中…',
  'login.empty': 'API キーを入力してください。',
  'login.refused': 'ゲートウェイがこのキーを拒否しました（HTTP {status}）。',
  'login.unreachable': 'ゲートウェイに接続できません: {message}',
  'login.expired': 'キーが拒否されました。もう一度サインインしてください。',

  'palette.title': 'パーツ',
  'palette.search': 'パーツを検索',
  'palette.category.pre': '前処理',
  'palette.category.ai': 'AI',
  'palette.category.post': '後処理',
  'palette.empty': '該当するパーツがありません。',
  'palette.add': '{title} をキャンバスに追加',
  'palette.hint': 'パーツをキャンバスへドラッグするか、フォーカスして Enter を押します。',
  'palette.loading': 'パーツを読み込み中…',
  'palette.loadFailed': 'パーツを読み込めませんでした: {message}',
  'palette.retry': '再試行',
  'palette.sourceDown': '{address} が応答しません: {error}',

  'canvas.label': 'パイプラインキャンバス',
  'canvas.toolbar': 'キャンバスツール',
  'canvas.undo': '元に戻す',
  'canvas.redo': 'やり直す',
  'canvas.delete': '選択を削除',
  'canvas.layout': '自動レイアウト',
  'canvas.fit': '全体を表示',
  'canvas.unsaved': '未保存の変更があります',
  'canvas.clean': '未保存の変更はありません',
  'canvas.refused.typeMismatch': '接続できません: {from} の出力は {to} の入力に接続できません。',
  'canvas.refused.inputTaken': '接続できません: その入力はすでに接続されています。',
  'canvas.shortcuts':
    'ショートカット: Delete で削除、Ctrl+Z で元に戻す、Ctrl+Shift+Z または Ctrl+Y でやり直す。',

  'node.source': '入力画像',
  'node.sourceAria': '入力画像ノード',
  'node.aria': '{title} ノード {id}',
  'node.inputAria': '{node} の入力 {port}（{kind}）',
  'node.outputAria': '{node} の出力 {port}（{kind}）',
  'node.problems': '問題 {count} 件',
  'node.unknownPart': '不明なパーツ {part}',
  'node.compatible': '接続可能なポート',

  'validation.title': '問題',
  'validation.ok': '有効: 保存できます。',
  'validation.blocked': '保存できません: 問題 {count} 件。',

  'issue.EMPTY_PIPELINE': 'パイプラインにノードがありません。',
  'issue.INVALID_NODE_ID': 'ノード ID が不正です。',
  'issue.DUPLICATE_NODE': 'ノード ID が重複しています。',
  'issue.UNKNOWN_PART': '不明なパーツです。',
  'issue.UNKNOWN_NODE': '存在しないノードへの接続です。',
  'issue.UNKNOWN_PORT': '不明なポートです。',
  'issue.TYPE_MISMATCH': 'ポートの型が一致しません。',
  'issue.DUPLICATE_INPUT': '入力が二重に接続されています。',
  'issue.MISSING_INPUT': '必須の入力が接続されていません。',
  'issue.INVALID_PARAMETERS': 'パラメーターが不正です。',
  'issue.INVALID_POLICY': 'リトライまたはタイムアウトの設定が不正です。',
  'issue.INVALID_CONDITION': '分岐条件が不正です。',
  'issue.CYCLE': '循環しています: {path}',

  'inspector.title': 'ノード',
  'inspector.empty': 'ノードを選択するとパラメーターを編集できます。',
  'inspector.id': 'ノード ID',
  'inspector.part': 'パーツ',
  'inspector.label': 'ラベル',
  'inspector.parameters': 'パラメーター',
  'inspector.noParameters': 'このパーツにはパラメーターがありません。',
  'inspector.default': '既定値: {value}',
  'inspector.range': '範囲: {min} 〜 {max}',
  'inspector.required': '必須',
  'inspector.unset': '（既定値）',
  'inspector.badJson': 'JSON として正しくありません。',
  'inspector.ports': 'ポート',
};

export const messages: Record<Language, Record<MessageKey, string>> = { en, ja };

/** `ja` for a browser that prefers Japanese (ja, ja-JP) before English, else `en`. */
export function defaultLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const primary = tag.toLowerCase().split('-')[0];
    if (primary === 'ja' || primary === 'en') return primary;
  }
  return 'en';
}

export type MessageVars = Record<string, string | number>;

export function translate(language: Language, key: MessageKey, vars: MessageVars = {}): string {
  return messages[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export const placeholdersOf = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string).sort();
