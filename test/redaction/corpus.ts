/**
 * The secret corpus: canaries (random, unique secrets) in the shapes that leaked (issue 12,
 * finding 3) and in the common token formats, each with the channel it is planted through.
 * Every secret is drawn from a seeded generator, so a canary found in a file is a leak of that
 * canary and of nothing else, and a failure names it.
 */

/** Where a canary enters mlmeta: a public API call, the process (argv, env) or the git repository. */
export type Plant =
  | { via: 'param'; name: string; value: unknown }
  | { via: 'paramKey'; key: string }
  | { via: 'metricKey'; key: string }
  | { via: 'badMetricKey'; key: string }
  | { via: 'tag'; name: string; value: string }
  | { via: 'runName'; value: string }
  | { via: 'experiment'; value: string }
  | { via: 'artifactName'; value: string }
  | { via: 'artifactUri'; value: string }
  | { via: 'artifactRole'; value: string }
  | { via: 'artifactType'; value: string }
  | { via: 'artifactProperty'; name: string; value: string }
  | { via: 'error'; message: string }
  | { via: 'argv'; args: string[] }
  | { via: 'env'; name: string; value: string }
  | { via: 'gitFile'; file: string; text: string }
  | { via: 'gitRemote'; url: string };

export interface Canary {
  /** `shape/variant`, named in a failure. */
  id: string;
  /** The bytes that must never be stored, spooled or printed. */
  secret: string;
  plant: Plant;
}

/** mulberry32: small, seeded, good enough to make unrelated random strings. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const from = (alphabet: string, length: number) => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  return { from };
}

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const HEX = '0123456789abcdef';
const B64 = `${ALNUM}+/`;
const URLSAFE = `${ALNUM}_-`;

/** A token format: a generator of one real-shaped secret. */
type Format = [name: string, make: () => string];

function tokenFormats(g: ReturnType<typeof generator>): Format[] {
  const { from } = g;
  // Every random part mixes cases and digits, as real tokens do; the fixed parts are the format's.
  const mixed = (n: number) => `${from(UPPER, 1)}${from(LOWER, 1)}${from(DIGITS, 1)}${from(ALNUM, n - 3)}`;
  const pem = (label: string) =>
    `-----BEGIN ${label}-----\n${from(B64, 64)}\n${from(B64, 64)}\n${from(B64, 20)}==\n-----END ${label}-----`;
  return [
    ['aws-access-key-id', () => `AKIA${from(UPPER + DIGITS, 16)}`],
    ['aws-temporary-key-id', () => `ASIA${from(UPPER + DIGITS, 16)}`],
    ['aws-secret-access-key', () => `aws_secret_access_key = ${from(B64, 40)}`],
    ['gcp-api-key', () => `AIza${from(URLSAFE, 35)}`],
    ['gcp-oauth-token', () => `ya29.${mixed(60)}`],
    ['azure-ad-client-secret', () => `${from(ALNUM, 3)}8Q~${from(`${ALNUM}_~.-`, 34)}`],
    [
      'azure-storage-connection',
      () =>
        `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${from(B64, 86)}==;EndpointSuffix=core.windows.net`,
    ],
    ['github-pat-classic', () => `ghp_${mixed(36)}`],
    ['github-oauth', () => `gho_${mixed(36)}`],
    ['github-app-user', () => `ghu_${mixed(36)}`],
    ['github-app-server', () => `ghs_${mixed(36)}`],
    ['github-refresh', () => `ghr_${mixed(36)}`],
    ['github-pat-fine', () => `github_pat_${mixed(22)}_${mixed(59)}`],
    ['gitlab-pat', () => `glpat-${mixed(20)}`],
    ['gitlab-deploy', () => `gldt-${mixed(20)}`],
    ['gitlab-runner', () => `glrt-${mixed(20)}`],
    ['gitlab-pipeline-trigger', () => `glptt-${from(HEX, 40)}`],
    ['slack-bot', () => `xoxb-${from(DIGITS, 11)}-${from(DIGITS, 12)}-${mixed(24)}`],
    ['slack-user', () => `xoxp-${from(DIGITS, 11)}-${from(DIGITS, 11)}-${from(DIGITS, 12)}-${from(HEX, 32)}`],
    ['slack-app', () => `xapp-1-A${from(UPPER + DIGITS, 10)}-${from(DIGITS, 13)}-${from(HEX, 64)}`],
    ['stripe-secret', () => `sk_live_${mixed(24)}`],
    ['stripe-restricted', () => `rk_live_${mixed(24)}`],
    ['stripe-test', () => `sk_test_${mixed(24)}`],
    ['twilio-api-key', () => `SK${from(HEX, 32)}`],
    ['sendgrid', () => `SG.${mixed(22)}.${mixed(43)}`],
    ['npm', () => `npm_${mixed(36)}`],
    ['pypi', () => `pypi-AgEIcHlwaS5vcmc${from(URLSAFE, 70)}`],
    ['jwt', () => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${from(URLSAFE, 40)}.${from(URLSAFE, 43)}`],
    ['pem-rsa', () => pem('RSA PRIVATE KEY')],
    ['pem-pkcs8', () => pem('PRIVATE KEY')],
    ['pem-ec', () => pem('EC PRIVATE KEY')],
    ['pem-openssh', () => pem('OPENSSH PRIVATE KEY')],
    ['postgres-url', () => `postgres://app:${mixed(16)}@db.internal:5432/prod`],
    ['postgresql-url', () => `postgresql://etl:${mixed(16)}@10.0.0.5/warehouse?sslmode=require`],
    ['mysql-url', () => `mysql://root:${mixed(16)}@mysql.internal:3306/app`],
    ['mongodb-url', () => `mongodb://admin:${mixed(16)}@mongo1:27017,mongo2:27017/app?replicaSet=rs0`],
    ['mongodb-srv-url', () => `mongodb+srv://svc:${mixed(16)}@cluster0.abcde.mongodb.net/app`],
    ['redis-url', () => `redis://:${mixed(16)}@cache.internal:6379/0`],
    ['rediss-url', () => `rediss://default:${mixed(16)}@cache.example.com:6380`],
    ['amqp-url', () => `amqp://worker:${mixed(16)}@rabbit.internal:5672/vhost`],
    ['ado-connection', () => `Server=tcp:db.example.com,1433;Database=app;User ID=sa;Password=${mixed(16)};`],
    ['openai', () => `sk-proj-${mixed(48)}`],
    ['anthropic', () => `sk-ant-api03-${from(URLSAFE, 93)}AA`],
    ['huggingface', () => `hf_${from(UPPER + LOWER, 34)}`],
    ['databricks', () => `dapi${from(HEX, 32)}`],
    ['digitalocean', () => `dop_v1_${from(HEX, 64)}`],
    ['shopify', () => `shpat_${from(HEX, 32)}`],
    ['mailgun', () => `key-${from(HEX, 32)}`],
    ['hashicorp-vault', () => `hvs.${mixed(24)}`],
    ['linear', () => `lin_api_${mixed(40)}`],
    ['doppler', () => `dp.pt.${mixed(43)}`],
    ['grafana-service-account', () => `glsa_${mixed(32)}_${from(HEX, 8)}`],
    ['age-secret-key', () => `AGE-SECRET-KEY-1${from('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`],
    ['postman', () => `PMAK-${from(HEX, 24)}-${from(HEX, 34)}`],
    ['pulumi', () => `pul-${from(HEX, 40)}`],
    ['groq', () => `gsk_${mixed(52)}`],
    ['telegram-bot', () => `${from(DIGITS, 10)}:AA${from(URLSAFE, 33)}`],
    ['basic-auth-header', () => `Authorization: Basic ${from(B64, 28)}=`],
    ['bearer-header', () => `Authorization: Bearer ${mixed(40)}`],
  ];
}

/** The part of a planted text that is secret (what a scan must not find). */
function secretOf(format: string, text: string): string {
  if (format.startsWith('pem-')) return text.split('\n')[1]!;
  const after = (marker: string) => text.slice(text.indexOf(marker) + marker.length);
  switch (format) {
    case 'aws-secret-access-key':
      return after('= ');
    case 'azure-storage-connection':
      return after('AccountKey=').split(';')[0]!;
    case 'ado-connection':
      return after('Password=').replace(/;$/, '');
    case 'basic-auth-header':
    case 'bearer-header':
      return text.split(' ').at(-1)!;
  }
  const userinfo = /^[a-z+]+:\/\/[^:]*:([^@]+)@/.exec(text);
  return userinfo ? userinfo[1]! : text;
}

/**
 * The corpus: every token format planted twice (a neutral hyperparameter, and one more channel
 * in turn), then the shapes of finding 3 with random passwords, which only their context gives away.
 */
export function secretCorpus(seed = 12): Canary[] {
  const g = generator(seed);
  const pw = () => `${g.from(UPPER, 2)}${g.from(LOWER, 3)}${g.from(DIGITS, 3)}${g.from(ALNUM, 8)}`;
  const canaries: Canary[] = [];
  const add = (id: string, secret: string, plant: Plant) => canaries.push({ id, secret, plant });

  const channels: Array<(text: string, secret: string, name: string) => Plant> = [
    (text) => ({ via: 'tag', name: 'note', value: `deployed with ${text} yesterday` }),
    (text) => ({ via: 'metricKey', key: `loss/${text}` }),
    (text) => ({ via: 'error', message: `request failed (${text}): 401` }),
    (text) => ({ via: 'artifactProperty', name: 'source', value: text }),
    (text, _secret, name) => ({
      via: 'env',
      name: `APP_NOTE_${name.replace(/\W/g, '_').toUpperCase()}`,
      value: text,
    }),
    (text, _secret, name) => ({
      via: 'gitFile',
      file: `src/${name}.js`,
      text: `const client = connect(${JSON.stringify(text)});\n`,
    }),
    (text) => ({ via: 'paramKey', key: text }),
    (text) => ({ via: 'param', name: 'settings', value: { nested: [{ value: text }] } }),
  ];
  const formats = tokenFormats(g);
  formats.forEach(([name, make], i) => {
    const text = make();
    add(`format/${name}/param`, secretOf(name, text), { via: 'param', name: `note_${i}`, value: text });
    const again = make();
    const channel = channels[i % channels.length]!;
    const secret = secretOf(name, again);
    // A multi-line PEM block is not a key; a key holds a one-line token.
    const plant =
      channel === channels[6] && name.startsWith('pem-')
        ? channels[0]!(again, secret, name)
        : channel(again, secret, name);
    add(`format/${name}/again-${plant.via}`, secret, plant);
  });

  // URL query strings.
  const queryCases: Array<[string, (s: string) => string]> = [
    [
      'sas-sig',
      (s) => `https://acct.blob.core.windows.net/data/train.csv?sv=2022-11-02&sp=r&se=2026-12-31&sig=${s}%3D`,
    ],
    ['access_token', (s) => `https://api.example.com/v1/data?access_token=${s}&page=2`],
    ['sslpassword', (s) => `postgres://reader@db.internal/app?sslmode=verify-full&sslpassword=${s}`],
    [
      'x-amz-signature',
      (s) =>
        `https://bucket.s3.amazonaws.com/model.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=${s}`,
    ],
    [
      'x-goog-signature',
      (s) => `https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${s}`,
    ],
    ['api_key', (s) => `https://maps.example.com/geo?q=x&api_key=${s}`],
    ['apikey', (s) => `https://data.example.com/feed?apikey=${s}`],
    ['token', (s) => `https://dl.example.com/file.tgz?token=${s}`],
    ['client_secret', (s) => `https://login.example.com/oauth/token?client_id=abc&client_secret=${s}`],
    ['password', (s) => `ftp://files.example.com/pub?user=x&password=${s}`],
    ['refresh_token', (s) => `https://auth.example.com/r?refresh_token=${s}`],
    [
      'servicebus-sas',
      (s) => `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=${s}`,
    ],
  ];
  const hex64 = () => g.from(HEX, 64);
  queryCases.forEach(([name, make], i) => {
    const secret = name.startsWith('x-') ? hex64() : pw();
    const url = make(secret);
    add(`query/${name}/uri`, secret, { via: 'artifactUri', value: url });
    const secret2 = name.startsWith('x-') ? hex64() : pw();
    add(`query/${name}/param`, secret2, { via: 'param', name: `source_${i}`, value: make(secret2) });
  });

  // A token as the URL's user.
  for (const [name, make] of [
    ['github', (s: string) => `https://${s}@github.com/org/repo.git`],
    ['gitlab-oauth2', (s: string) => `https://oauth2:${s}@gitlab.com/org/repo.git`],
    ['registry', (s: string) => `https://${s}@registry.example.com/simple/`],
  ] as const) {
    const secret = pw();
    add(`url-user/${name}/uri`, secret, { via: 'artifactUri', value: make(secret) });
    const secret2 = pw();
    add(`url-user/${name}/param`, secret2, { via: 'param', name: `index_${name}`, value: make(secret2) });
  }
  const remoteToken = pw();
  add('url-user/git-remote', remoteToken, {
    via: 'gitRemote',
    url: `https://${remoteToken}@github.com/org/private.git`,
  });

  // Webhook URLs: the URL is the credential.
  const webhooks: Array<[string, () => [string, string]]> = [
    [
      'slack',
      () => {
        const s = g.from(ALNUM, 24);
        return [
          s,
          `https://hooks.slack.com/services/T${g.from(UPPER + DIGITS, 8)}/B${g.from(UPPER + DIGITS, 10)}/${s}`,
        ];
      },
    ],
    [
      'discord',
      () => {
        const s = g.from(URLSAFE, 68);
        return [s, `https://discord.com/api/webhooks/${g.from(DIGITS, 18)}/${s}`];
      },
    ],
    [
      'teams',
      () => {
        const s = g.from(HEX, 32);
        return [
          s,
          `https://contoso.webhook.office.com/webhookb2/${g.from(HEX, 8)}-1111-2222-3333-${g.from(HEX, 12)}@${g.from(HEX, 8)}/IncomingWebhook/${s}/${g.from(HEX, 8)}`,
        ];
      },
    ],
    [
      'google-chat',
      () => {
        const s = g.from(URLSAFE, 43);
        return [
          s,
          `https://chat.googleapis.com/v1/spaces/AAAA${g.from(ALNUM, 7)}/messages?key=AIza${g.from(URLSAFE, 35)}&token=${s}`,
        ];
      },
    ],
    [
      'zapier',
      () => {
        const s = g.from(LOWER + DIGITS, 7);
        return [s, `https://hooks.zapier.com/hooks/catch/${g.from(DIGITS, 7)}/${s}/`];
      },
    ],
    [
      'mattermost',
      () => {
        const s = g.from(LOWER + DIGITS, 26);
        return [s, `https://chat.example.com/hooks/${s}`];
      },
    ],
  ];
  for (const [name, make] of webhooks) {
    const [secret, url] = make();
    add(`webhook/${name}/param`, secret, { via: 'param', name: 'alerts', value: url });
    const [secret2, url2] = make();
    add(`webhook/${name}/env`, secret2, {
      via: 'env',
      name: `ALERT_URL_${name.toUpperCase().replace('-', '_')}`,
      value: url2,
    });
  }

  // Space-separated argv flags, as separate elements and inside one string.
  for (const flag of ['-p', '--db-pass', '--pwd', '--password', '--token', '--api-key', '--secret']) {
    const secret = pw();
    add(`argv${flag}/separate`, secret, { via: 'argv', args: [flag, secret] });
    const secret2 = pw();
    add(`argv${flag}/in-one-string`, secret2, {
      via: 'argv',
      args: [`--cmd=mysql -h db.internal -u root ${flag} ${secret2} app`],
    });
  }
  const attached = pw();
  add('argv/equals', attached, { via: 'argv', args: [`--db-password=${attached}`] });

  // Allowlisted variables whose names say they hold passwords or tokens.
  for (const name of [
    'PGPASSWORD',
    'MYSQL_PWD',
    'DB_PASS',
    'SMTP_PASSWD',
    'APP_DBPASSWORD',
    'RABBITMQ_DEFAULT_PASS',
    'MONGO_INITDB_ROOT_PASSWORD',
    'KEYCLOAK_ADMIN_PASSWORD',
    'AWS_SESSION_TOKEN',
    'HF_TOKEN',
    'SENTRY_DSN_SECRET',
  ]) {
    const secret = pw();
    add(`env/${name}`, secret, { via: 'env', name, value: secret });
  }
  const wandb = g.from(HEX, 40);
  add('env/WANDB_API_KEY-hex', wandb, { via: 'env', name: 'WANDB_API_KEY', value: wandb });
  const dbUrl = pw();
  add('env/DATABASE_URL', dbUrl, {
    via: 'env',
    name: 'DATABASE_URL',
    value: `postgres://app:${dbUrl}@db/app`,
  });

  // Token-shaped object keys and metric keys.
  const keyToken = `ghp_${g.from(ALNUM, 36)}`;
  add('key/nested-object-key', keyToken, {
    via: 'param',
    name: 'servers',
    value: { [keyToken]: { port: 1 } },
  });
  const metricToken = `xoxb-${g.from(DIGITS, 11)}-${g.from(DIGITS, 12)}-${g.from(ALNUM, 24)}`;
  add('key/metric-key-bare', metricToken, { via: 'metricKey', key: metricToken });
  const badMetric = `sk_live_${g.from(ALNUM, 24)}`;
  add('key/skipped-metric-key-warning', badMetric, { via: 'badMetricKey', key: badMetric });

  // Names, URIs, roles and types of nodes and events.
  const ghp = () => `ghp_${g.from(ALNUM, 36)}`;
  const names: Array<[Plant['via'], (s: string) => string]> = [
    ['runName', (s) => `nightly ${s}`],
    ['experiment', (s) => `churn-${s}`],
    ['artifactName', (s) => `weights ${s}`],
    ['artifactRole', (s) => `validation.${s}`],
    ['artifactType', (s) => `custom.Dataset.${s}`],
  ];
  for (const [via, make] of names) {
    const token = ghp();
    add(`name/${via}/token`, token, { via, value: make(token) } as Plant);
    const secret = pw();
    add(`name/${via}/assignment`, secret, { via, value: `token=${secret}` } as Plant);
  }
  // Two run names that redact alike still give two executions (their names keep a unique suffix).
  const twin = ghp();
  add('name/runName/token-twin', twin, { via: 'runName', value: `nightly ${twin}` });
  const tagged = pw();
  add('name/tag/assignment', tagged, { via: 'tag', name: 'release', value: `password=${tagged}` });

  // The dirty diff of config files.
  const gitCases: Array<[string, string, (s: string) => string]> = [
    ['yaml', 'config.yaml', (s) => `database:\n  host: db\n  password: ${s}\n`],
    ['yaml-pass', 'deploy/values.yaml', (s) => `db:\n  pass: "${s}"\n`],
    [
      'yaml-env-list',
      'docker-compose.yml',
      (s) => `services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=${s}\n`,
    ],
    ['ini', 'settings.ini', (s) => `[database]\nuser = app\nsslpassword = ${s}\n`],
    ['ini-passwd', 'odbc.ini', (s) => `[dsn]\npasswd=${s}\n`],
    ['dotenv', '.env', (s) => `PGPASSWORD=${s}\n`],
    ['dotenv-export', '.env.local', (s) => `export DB_PASS='${s}'\n`],
    ['json', 'config.json', (s) => `{\n  "db": { "pwd": "${s}" }\n}\n`],
    ['json-escaped-quote', 'secrets.json', (s) => `{ "password": "p\\"${s}" }\n`],
    ['npmrc', '.npmrc', (s) => `//registry.npmjs.org/:_authToken=${s}\n`],
    ['netrc', 'netrc', (s) => `machine api.example.com login ci password ${s}\n`],
    [
      'toml',
      'pyproject.toml',
      (s) => `[tool.poetry.http-basic.private]\nusername = "ci"\npassword = "${s}"\n`,
    ],
  ];
  for (const [name, file, make] of gitCases) {
    const secret = pw();
    add(`git-diff/${name}`, secret, { via: 'gitFile', file, text: make(secret) });
  }

  // JSON-escaped quotes inside a value.
  for (const [name, make] of [
    ['param-text', (s: string) => `{"user":"ci","password":"p\\"${s}"}`],
    ['tag-text', (s: string) => `{"token": "a\\"b\\"${s}"}`],
    ['error-text', (s: string) => `bad config {"secret":"x\\"${s}"}`],
  ] as const) {
    const secret = pw();
    const value = make(secret);
    const plant: Plant =
      name === 'param-text'
        ? { via: 'param', name: 'raw_config', value }
        : name === 'tag-text'
          ? { via: 'tag', name: 'raw', value }
          : { via: 'error', message: value };
    add(`json-escaped/${name}`, secret, plant);
  }

  // Secret-named hyperparameters, at the top and nested.
  for (const name of ['db_pass', 'pwd', 'sslpassword', 'webhook_secret', 'signature', 'X-Amz-Signature']) {
    const secret = pw();
    add(`param-name/${name}`, secret, { via: 'param', name, value: secret });
  }
  const nested = pw();
  add('param-name/nested', nested, { via: 'param', name: 'db', value: { primary: { passwd: nested } } });
  return uniqueNames(canaries);
}

/** A later property or variable of the same name would replace an earlier canary before it is stored. */
function uniqueNames(canaries: Canary[]): Canary[] {
  const seen = new Map<string, number>();
  for (const { plant } of canaries) {
    if (
      plant.via !== 'param' &&
      plant.via !== 'tag' &&
      plant.via !== 'artifactProperty' &&
      plant.via !== 'env'
    )
      continue;
    const key = `${plant.via}:${plant.name}`;
    const n = seen.get(key) ?? 0;
    seen.set(key, n + 1);
    if (n > 0) plant.name = `${plant.name}_${n}`;
  }
  return canaries;
}

/** Values that must survive redaction: digests and commit SHAs mlmeta relies on. */
export function survivors(seed = 12) {
  const g = generator(seed + 1);
  return {
    digest: `sha256:${g.from(HEX, 64)}`,
    commitParam: g.from(HEX, 40),
    uuid: `${g.from(HEX, 8)}-${g.from(HEX, 4)}-4${g.from(HEX, 3)}-a${g.from(HEX, 3)}-${g.from(HEX, 12)}`,
  };
}
