// Progressive enhancement only: every form works without this file.
document.addEventListener('DOMContentLoaded', () => {
  // "Přidat přílohu" / "Odstranit" rows, as the manual describes the form
  for (const box of document.querySelectorAll('fieldset.files')) {
    const rows = box.querySelector('.file-rows');
    const add = box.querySelector('.add-file');
    const template = box.querySelector('.file-row-template');
    const max = Number(box.dataset.max || 10);
    const first = rows.querySelector('input[type=file]');
    first.removeAttribute('multiple');
    add.hidden = false;
    const refresh = () => { add.disabled = rows.children.length >= max; };
    add.addEventListener('click', () => {
      rows.appendChild(template.content.cloneNode(true));
      refresh();
    });
    rows.addEventListener('click', (e) => {
      if (e.target.classList.contains('remove-file')) { e.target.closest('.file-row').remove(); refresh(); }
    });
  }
  // a table wider than the screen scrolls inside its .table-scroll box: the box takes the focus,
  // so it scrolls by keyboard too (WCAG 2.1.1), named after its caption or its section's heading
  for (const box of document.querySelectorAll('.table-scroll:not([tabindex])')) {
    box.tabIndex = 0;
    const caption = box.querySelector('caption');
    const section = box.closest('[aria-labelledby]');
    if (caption) box.setAttribute('aria-label', caption.textContent.trim());
    else if (section) box.setAttribute('aria-labelledby', section.getAttribute('aria-labelledby'));
    if (box.hasAttribute('aria-label') || box.hasAttribute('aria-labelledby')) box.setAttribute('role', 'region');
  }
  // only the chosen contract's paragraphs are offered
  const contract = document.getElementById('contract_id');
  const paragraph = document.getElementById('paragraph_id');
  if (contract && paragraph) {
    const sync = () => {
      for (const group of paragraph.querySelectorAll('optgroup')) {
        const show = !contract.value || group.dataset.contract === contract.value;
        group.hidden = !show;
        group.disabled = !show;
      }
      const chosen = paragraph.selectedOptions[0];
      if (chosen && chosen.dataset.contract && chosen.dataset.contract !== contract.value) paragraph.value = '';
    };
    contract.addEventListener('change', sync);
    sync();
  }
});
