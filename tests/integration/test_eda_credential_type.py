"""The EDA controller credential type (extensions/eda/credential_type): its injectors feed the event source."""

from __future__ import annotations

import asyncio
import runpy
from pathlib import Path

import jinja2.sandbox
import yaml

import harness

ROOT = Path(__file__).resolve().parents[2]
CREDENTIAL_TYPE = ROOT / 'extensions' / 'eda' / 'credential_type' / 'logpoint_credential_type.yml'
PLUGIN = ROOT / 'extensions' / 'eda' / 'plugins' / 'event_source' / 'incidents.py'


def inject(definition, inputs, workdir):
    """What EDA controller does with a credential: file templates to files (eda.filename.*), then env."""
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    files = {}
    for key, template in definition['injectors']['file'].items():
        path = Path(workdir) / key.split('.', 1)[1]
        path.write_text(environment.from_string(template).render(**inputs), encoding='utf-8')
        files[key.split('.', 1)[1]] = str(path)
    context = dict(inputs, eda={'filename': files})
    return {name: environment.from_string(template).render(**context)
            for name, template in definition['injectors']['env'].items()}


def test_credential_type_feeds_the_event_source(sim, tmp_path, monkeypatch):
    definition = yaml.safe_load(CREDENTIAL_TYPE.read_text(encoding='utf-8'))
    fields = {field['id']: field for field in definition['inputs']['fields']}
    assert {'url', 'username', 'secret_key', 'director_token'} <= set(fields)
    assert [name for name, field in fields.items() if field.get('secret')] == ['secret_key', 'director_token']
    assert not [name for name in definition['injectors']['env'] if not name.startswith('LOGPOINT_')]
    inputs = {'url': sim.url, 'username': harness.ADMIN_USERNAME, 'secret_key': harness.ADMIN_SECRET_KEY,
              'ca_certificate': Path(sim.ca_path).read_text(encoding='utf-8'), 'validate_certs': True}
    for name, field in fields.items():
        inputs.setdefault(name, field.get('default', ''))
    for name, value in inject(definition, inputs, tmp_path).items():
        monkeypatch.setenv(name, value)  # the empty Director ones included: "not set"

    async def scenario():
        source = runpy.run_path(str(PLUGIN))['IncidentSource']({})  # every option from the environment
        queue = asyncio.Queue()
        await source.poll(queue)
        reply = sim.api('POST', '/_simulator/incidents', json={'count': 1, 'hours_ago': 0})
        await source.poll(queue)
        return source, [queue.get_nowait() for index in range(queue.qsize())], reply.json()['ids']

    source, events, made = asyncio.run(scenario())
    assert source.options['api'] == 'classic'
    assert [(event['type'], event['incident']['id']) for event in events] == [('created', made[0])]
