import { useId, useState } from 'react'
import type { AdminProject } from '../../api/types'
import { useStrings } from '../../i18n/language'
import { FormFooter, useFormSubmit } from '../FormFooter'
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
  const set = (k: keyof ProjectBody) => (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value })
  const { error, submit } = useFormSubmit(
    () => props.onSave(form),
    () => props.project === undefined && setForm(initial)
  )
  const field = (k: keyof ProjectBody, label: string, type = 'text') => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input id={`${id}-${k}`} type={type} value={form[k]} onChange={set(k)} />
    </div>
  )
  return (
    <form
      className={props.project ? 'admin-confirm admin-form' : 'admin-form'}
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && props.onCancel?.()}
      noValidate
      data-testid={props.project ? 'edit-project' : 'create-project'}
    >
      {field('title', t.title)}
      {field('purpose', t.purpose)}
      {field('approvalReference', t.approval)}
      {field('startDate', t.start, 'date')}
      {field('endDate', t.end, 'date')}
      <FormFooter
        error={error}
        errorTestId="form-error"
        submitLabel={props.project ? t.save : t.create}
        cancelLabel={t.cancel}
        onCancel={props.onCancel}
      />
    </form>
  )
}
