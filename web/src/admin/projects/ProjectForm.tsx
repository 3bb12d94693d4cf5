import { useId, useState, type FormEvent } from 'react'
import { serverMessage } from '../../api/client'
import type { AdminProject } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { projectStrings } from './strings'

interface ProjectBody {
  title: string
  purpose: string
  approvalReference: string
  startDate: string
  endDate: string
}

export function ProjectForm(props: {
  project?: AdminProject
  onSave(body: ProjectBody): Promise<void>
  onCancel?(): void
}) {
  const t = useStrings(projectStrings)
  const id = useId()
  const initial: ProjectBody = {
    title: props.project?.title ?? '',
    purpose: props.project?.purpose ?? '',
    approvalReference: props.project?.approvalReference ?? '',
    startDate: props.project?.startDate ?? '',
    endDate: props.project?.endDate ?? ''
  }
  const [form, setForm] = useState(initial)
  const [error, setError] = useState<string | null>(null)
  const set = (k: keyof ProjectBody) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value })
  async function submit(e: FormEvent) {
    e.preventDefault()
    try {
      await props.onSave(form)
      if (props.project === undefined) setForm(initial)
      setError(null)
    } catch (err) {
      setError(serverMessage(err))
    }
  }
  const field = (k: keyof ProjectBody, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input id={`${id}-${k}`} type={type} value={form[k]} onChange={set(k)} />
    </div>
  )
  return (
    <form
      className={props.project ? 'admin-confirm admin-form' : 'admin-form'}
      onSubmit={(e) => void submit(e)}
      onKeyDown={(e) => e.key === 'Escape' && props.onCancel?.()}
      noValidate
      data-testid={props.project ? 'edit-project' : 'create-project'}
    >
      {field('title', t.title)}
      {field('purpose', t.purpose)}
      {field('approvalReference', t.approval)}
      {field('startDate', t.start, 'date')}
      {field('endDate', t.end, 'date')}
      {error !== null && (
        <p className="field__error" role="alert" data-testid="form-error">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="button button--small button--primary">
          {props.project ? t.save : t.create}
        </button>
        {props.onCancel && (
          <button type="button" className="button button--small button--secondary" onClick={props.onCancel}>
            {t.cancel}
          </button>
        )}
      </div>
    </form>
  )
}
