'use client';

import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog on the native <dialog>: showModal() makes the page behind it inert and gives the
 * backdrop; Tab is kept inside, Escape closes, and focus goes back to what opened it. The parent
 * owns `open`; every way of closing calls onClose.
 */
export function Dialog({ open, title, onClose, children, testId }: { open: boolean; title: ReactNode; onClose: () => void; children: ReactNode; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      // The first field or button, not the dialog box itself.
      dialog.querySelector<HTMLElement>(`[autofocus], ${FOCUSABLE}`)?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  function restoreFocus() {
    const target = opener.current;
    opener.current = null;
    if (target?.isConnected) target.focus();
  }

  function keepTabInside(event: KeyboardEvent<HTMLDialogElement>) {
    if (event.key !== 'Tab') return;
    const items = [...(ref.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? [])];
    const first = items[0];
    const last = items.at(-1);
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      data-testid={testId}
      onKeyDown={keepTabInside}
      onCancel={(event) => {
        // Escape: the parent decides (its state closes us).
        event.preventDefault();
        onClose();
      }}
      onClose={() => {
        restoreFocus();
        if (open) onClose();
      }}
    >
      {open && (
        <div className="dialog-body">
          <h2 id={titleId}>{title}</h2>
          {children}
        </div>
      )}
    </dialog>
  );
}

/**
 * "Are you sure?" naming exactly what is acted on (`subject`: a host, a VM). With `typeToConfirm`
 * the confirm button waits until that text is typed — for what cannot be taken back.
 */
export function ConfirmDialog({
  open,
  title,
  subject,
  children,
  confirmLabel,
  danger = false,
  busy = false,
  typeToConfirm,
  onConfirm,
  onCancel,
  testId,
}: {
  open: boolean;
  title: ReactNode;
  subject?: string;
  children?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  typeToConfirm?: string;
  onConfirm: () => void;
  onCancel: () => void;
  testId?: string;
}) {
  const [typed, setTyped] = useState('');
  const inputId = useId();
  const ready = !busy && (typeToConfirm === undefined || typed === typeToConfirm);
  const close = () => {
    setTyped('');
    onCancel();
  };
  return (
    <Dialog open={open} title={title} onClose={close} testId={testId}>
      {subject && (
        <p>
          <span className="dialog-subject">{subject}</span>
        </p>
      )}
      {children}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!ready) return;
          setTyped('');
          onConfirm();
        }}
      >
        {typeToConfirm !== undefined && (
          <p>
            <label htmlFor={inputId}>
              Type <strong>{typeToConfirm}</strong> to confirm
            </label>
            <br />
            <input id={inputId} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" autoFocus />
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" className="secondary" onClick={close}>
            Cancel
          </button>
          <button type="submit" className={danger ? 'danger' : undefined} disabled={!ready}>
            {confirmLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
